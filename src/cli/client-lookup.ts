import type { OdooClient } from "../odoo/client.js";
import { htmlToText } from "../pipeline/text.js";
import { PARTNER_SPEC, partnerSchema, readTicketContext, type PartnerRecord, type TicketRecord } from "../odoo/ticket-context.js";

/** Who a question is from, as the pipeline would decide it; `why` says why no client was identified. */
export type Sender = { partner: PartnerRecord; why: "" } | { partner: null; why: string };

const unknown = (why: string): Sender => ({ partner: null, why });

/** An e-mail sender is the one partner with that address (docs/architecture.md: a shared address counts as unknown). */
export async function clientByEmail(odoo: OdooClient, email: string): Promise<Sender> {
  const ids = await odoo.executeKw<number[]>("res.partner", "search", [[["email", "=ilike", email.trim()]]]);
  if (ids.length === 0) return unknown(`no partner has the address ${email}`);
  if (ids.length > 1) return unknown(`the address ${email} belongs to ${ids.length} partners`);
  const [row] = await odoo.executeKw<unknown[]>("res.partner", "web_read", [ids], { specification: PARTNER_SPEC });
  const partner = partnerSchema.parse(row);
  if (!partner.partner_share) return unknown(`${email} is a staff member, not a client`);
  return { partner, why: "" };
}

/** The newest message a client wrote on the ticket (the one `/ask` names, if the addon recorded it). */
async function newestClientMessage(odoo: OdooClient, ticketId: number): Promise<number | undefined> {
  const domain = [["model", "=", "helpdesk.ticket"], ["res_id", "=", ticketId], ["message_type", "in", ["email", "comment"]], ["author_id.partner_share", "=", true]];
  const [id] = await odoo.executeKw<number[]>("mail.message", "search", [domain], { order: "id desc", limit: 1 });
  return id;
}

/** A ticket with its newest client message: the question a dry run answers again. */
export async function ticketQuestion(odoo: OdooClient, ticketId: number): Promise<{ ticket: TicketRecord; text: string; client: PartnerRecord; senderAuth: "pass" | "fail" | "none" | null }> {
  const messageId = await newestClientMessage(odoo, ticketId);
  if (messageId === undefined) throw new Error(`ticket ${ticketId} has no message from a client, or is not visible to ${odoo.settings.login}`);
  const { ticket, message } = await readTicketContext(odoo, ticketId, messageId);
  const author = message?.author_id;
  if (!message || !author) throw new Error(`message ${messageId} on ticket ${ticketId} is not readable`);
  return { ticket, text: htmlToText(message.body ?? ""), client: author, senderAuth: message.lexreply_sender_auth };
}
