import type { CaseRecord, MessageRecord, TicketRecord } from "../odoo/ticket-context.js";

/** Someone an answer on this ticket reaches, and how. */
export interface Recipient {
  id: number;
  name: string;
  commercialId: number;
  as: "the ticket's client" | "a follower";
}

export type Audience =
  | { ok: true; recipients: Recipient[]; describe: string; mayKnow: (matter: CaseRecord) => boolean }
  | { ok: false; why: string; describe: string };

/** A matter may be told to R when it is R's own or R's company's — never a colleague's own matter. */
function visibleTo(matter: CaseRecord, r: Recipient): boolean {
  return matter.partner_id === r.id || matter.partner_id === r.commercialId;
}

/**
 * DESIGN.md "Only to those who may see it": everyone an answer reaches — the ticket's partner, every
 * client (share partner) following the ticket, the `partner_email` relay of a ticket without partner —
 * and which matters all of them may see. Fails closed: no partner, an author other than the ticket's
 * partner, or a recipient who is nobody known holds the answer.
 */
export function audienceOf(ticket: TicketRecord, message: MessageRecord): Audience {
  const client = ticket.partner_id;
  if (!client) {
    const relay = ticket.partner_email ?? "nobody";
    return { ok: false, why: "the ticket has no client (partner): an answer would be relayed to its address, which is nobody known", describe: `the ticket's address ${relay} (no partner)` };
  }
  const recipients: Recipient[] = [
    { id: client.id, name: client.name ?? `partner ${client.id}`, commercialId: client.commercial_partner_id ?? client.id, as: "the ticket's client" },
    ...ticket.message_partner_ids
      .filter((f) => f.partner_share && f.id !== client.id)
      .map((f): Recipient => ({ id: f.id, name: f.name ?? f.email ?? `partner ${f.id}`, commercialId: f.commercial_partner_id ?? f.id, as: "a follower" })),
  ];
  const describe = recipients.map((r) => `${r.name} (${r.as})`).join(", ");
  const author = message.author_id;
  if (!author || author.id !== client.id) {
    const who = author ? `${author.name ?? author.email ?? `partner ${author.id}`}` : (message.email_from ?? "an unknown sender");
    return { ok: false, why: `the message was written by ${who}, not by the ticket's client ${recipients[0]!.name}`, describe };
  }
  return { ok: true, recipients, describe, mayKnow: (matter) => recipients.every((r) => visibleTo(matter, r)) };
}
