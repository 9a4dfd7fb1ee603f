import { z } from "zod";
import { idFromRecordsetText, type OdooClient } from "../../odoo/client.js";
import { textToHtml } from "../../pipeline/text.js";

/** The Odoo side of the LINE channel: plain ORM calls on the addon's fields, every read naming its fields. */

const TICKET = "helpdesk.ticket";
const PARTNER = "res.partner";

const linkedPartnerSchema = z.object({ id: z.number(), name: z.string().or(z.literal(false)), lang: z.string().or(z.literal(false)) });
export type LinkedPartner = z.output<typeof linkedPartnerSchema>;

const idRows = z.array(z.object({ id: z.number() }));

const deliverableSchema = z.object({
  id: z.number(),
  lexreply_channel: z.string().or(z.literal(false)),
  lexreply_line_user_id: z.string().or(z.literal(false)),
  lexreply_draft: z.string().or(z.literal(false)),
});
export type DeliverableTicket = z.output<typeof deliverableSchema>;

const odooDatetime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");

export async function findLinkedPartner(odoo: OdooClient, lineUserId: string): Promise<LinkedPartner | null> {
  const rows = await odoo.executeKw(PARTNER, "search_read", [[["lexreply_line_user_id", "=", lineUserId]]], { fields: ["name", "lang"], limit: 1 });
  return z.array(linkedPartnerSchema).parse(rows)[0] ?? null;
}

export async function findOpenTicket(odoo: OdooClient, lineUserId: string): Promise<number | null> {
  const domain = [
    ["lexreply_channel", "=", "line"],
    ["lexreply_line_user_id", "=", lineUserId],
    ["lexreply_open", "=", true],
  ];
  const rows = await odoo.executeKw(TICKET, "search_read", [domain], { fields: ["id"], order: "id desc", limit: 1 });
  return idRows.parse(rows)[0]?.id ?? null;
}

/** The addon puts a new LINE ticket in the team its settings name; OCA requires the description. */
export async function createTicket(odoo: OdooClient, partner: LinkedPartner, lineUserId: string, firstText: string): Promise<number> {
  const id = await odoo.executeKw(TICKET, "create", [
    {
      name: `LINE: ${partner.name || lineUserId}`,
      description: textToHtml(firstText),
      partner_id: partner.id,
      lexreply_channel: "line",
      lexreply_line_user_id: lineUserId,
    },
  ]);
  return z.number().parse(Array.isArray(id) ? id[0] : id);
}

export async function openTicketFor(odoo: OdooClient, partner: LinkedPartner, lineUserId: string, firstText: string): Promise<number> {
  return (await findOpenTicket(odoo, lineUserId)) ?? createTicket(odoo, partner, lineUserId, firstText);
}

/** Authored by the client as a comment: this is what fires the addon's automation and so `/ask`. */
export async function postClientText(odoo: OdooClient, ticketId: number, partnerId: number, text: string): Promise<number> {
  const result = await odoo.executeKw(TICKET, "message_post", [[ticketId]], {
    body: textToHtml(text),
    body_is_html: true,
    author_id: partnerId,
    message_type: "comment",
    subtype_xmlid: "mail.mt_comment",
  });
  const id = idFromRecordsetText(result);
  if (id === undefined) throw new Error(`message_post answered ${JSON.stringify(result)}, not a message`);
  return id;
}

/**
 * The client's text already on the ticket: after a post whose answer was lost (a timeout), retrying
 * the event must not post it twice.
 */
export async function findClientText(odoo: OdooClient, ticketId: number, partnerId: number, text: string): Promise<number | null> {
  const domain = [
    ["model", "=", TICKET],
    ["res_id", "=", ticketId],
    ["author_id", "=", partnerId],
    ["body", "=", textToHtml(text)],
  ];
  const rows = await odoo.executeKw("mail.message", "search_read", [domain], { fields: ["id"], order: "id desc", limit: 1 });
  return idRows.parse(rows)[0]?.id ?? null;
}

/** A note (never mailed, fires no automation), with any files the client sent attached. */
async function postNoteOn(odoo: OdooClient, model: string, id: number, text: string, attachmentIds: number[] = []): Promise<void> {
  await odoo.executeKw(model, "message_post", [[id]], {
    body: textToHtml(text),
    body_is_html: true,
    message_type: "comment",
    subtype_xmlid: "mail.mt_note",
    ...(attachmentIds.length > 0 ? { attachment_ids: attachmentIds } : {}),
  });
}

export const postTicketNote = (odoo: OdooClient, ticketId: number, text: string, attachmentIds: number[] = []) =>
  postNoteOn(odoo, TICKET, ticketId, text, attachmentIds);

export async function attachFile(odoo: OdooClient, ticketId: number, file: { name: string; mimetype?: string; bytes: Buffer }): Promise<number> {
  const id = await odoo.executeKw(
    "ir.attachment",
    "create",
    [{ name: file.name, datas: file.bytes.toString("base64"), res_model: TICKET, res_id: ticketId, ...(file.mimetype ? { mimetype: file.mimetype } : {}) }],
  );
  return z.number().parse(Array.isArray(id) ? id[0] : id);
}

/**
 * Client partners (not staff) with exactly this address; linking goes ahead only when there is one.
 * `=ilike` treats `_` and `%` as wildcards, so the match is made exact here.
 */
export async function clientPartnersByEmail(odoo: OdooClient, email: string): Promise<{ id: number; name: string; email: string }[]> {
  const rows = await odoo.executeKw(PARTNER, "search_read", [[["email", "=ilike", email]]], { fields: ["name", "email", "partner_share"] });
  return z
    .array(z.object({ id: z.number(), name: z.string().or(z.literal(false)), email: z.string().or(z.literal(false)), partner_share: z.boolean() }))
    .parse(rows)
    .filter((p) => p.partner_share && typeof p.email === "string" && p.email.trim().toLowerCase() === email.toLowerCase())
    .map((p) => ({ id: p.id, name: p.name || "", email: p.email as string }));
}

export async function linkPartner(odoo: OdooClient, partnerId: number, lineUserId: string, at: number): Promise<void> {
  await odoo.executeKw(PARTNER, "write", [[partnerId], { lexreply_line_user_id: lineUserId, lexreply_line_verified_at: odooDatetime(at) }]);
  await postNoteOn(odoo, PARTNER, partnerId, "LINE account linked: the one-time code sent to this contact's e-mail address was typed back in LINE.");
}

export async function unlinkPartner(odoo: OdooClient, partnerId: number): Promise<void> {
  await odoo.executeKw(PARTNER, "write", [[partnerId], { lexreply_line_user_id: false, lexreply_line_verified_at: false }]);
  await postNoteOn(odoo, PARTNER, partnerId, "LINE account unlinked at the client's request (sent 解除綁定 / unlink in LINE).");
}

export async function readDeliverable(odoo: OdooClient, ticketId: number): Promise<DeliverableTicket | null> {
  // search_read, not read: a ticket that is gone (or hidden) is an empty answer, not a MissingError.
  const rows = await odoo.executeKw(TICKET, "search_read", [[["id", "=", ticketId]]], { fields: ["lexreply_channel", "lexreply_line_user_id", "lexreply_draft"] });
  return z.array(deliverableSchema).parse(rows)[0] ?? null;
}
