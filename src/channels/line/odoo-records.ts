import { z } from "zod";
import type { OdooClient } from "../../odoo/client.js";
import { textToHtml } from "../../pipeline/text.js";

/** The Odoo side of the LINE channel: plain ORM calls on the addon's fields, every read naming its fields. */

const TICKET = "helpdesk.ticket";
const PARTNER = "res.partner";

const linkedPartnerSchema = z.object({ id: z.number(), name: z.string().or(z.literal(false)), lang: z.string().or(z.literal(false)) });
export type LinkedPartner = z.output<typeof linkedPartnerSchema>;


const odooDatetime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");

export async function findLinkedPartner(odoo: OdooClient, lineUserId: string): Promise<LinkedPartner | null> {
  const rows = await odoo.executeKw(PARTNER, "search_read", [[["lexreply_line_user_id", "=", lineUserId]]], { fields: ["name", "lang"], limit: 1 });
  return z.array(linkedPartnerSchema).parse(rows)[0] ?? null;
}

const intakeResultSchema = z.object({
  ticket_id: z.number().or(z.literal(false)),
  message_id: z.number().or(z.literal(false)),
  partner_id: z.number().or(z.literal(false)),
  duplicate: z.boolean(),
  /** The partner's language (absent from an older addon). */
  partner_lang: z.string().or(z.literal(false)).optional(),
});
export type IntakeResult = z.output<typeof intakeResultSchema>;

export interface IntakeEvent {
  webhook_event_id: string;
  line_user_id: string;
  text: string;
  /** Post `note` as an internal note (rate-limited text, stickers, files): fires no automation. */
  as_note: boolean;
  note: string | false;
}

/**
 * One round trip: the addon finds the linked partner, its open LINE ticket (or creates one, under a
 * row lock) and posts the message as the client — or answers `partner_id: false` and writes nothing.
 * Idempotent by `webhook_event_id`, so an outbox retry never posts twice.
 */
export async function lineIntake(odoo: OdooClient, event: IntakeEvent): Promise<IntakeResult> {
  return intakeResultSchema.parse(await odoo.executeKw(TICKET, "lexreply_line_intake", [event]));
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

const deliverableSchema = z.object({
  id: z.number(),
  lexreply_channel: z.string().or(z.literal(false)),
  lexreply_state: z.string().or(z.literal(false)),
  lexreply_taken_over: z.boolean(),
  lexreply_line_user_id: z.string().or(z.literal(false)),
  lexreply_draft: z.string().or(z.literal(false)),
  lexreply_approved_at: z.string().or(z.literal(false)),
  lexreply_approved_by: z.number().or(z.literal(false)),
  partner_id: z.object({ id: z.number(), lexreply_line_user_id: z.string().or(z.literal(false)) }).or(z.literal(false)),
});
export type DeliverableTicket = z.output<typeof deliverableSchema>;

export async function readDeliverable(odoo: OdooClient, ticketId: number): Promise<DeliverableTicket | null> {
  // web_search_read, not web_read: a ticket that is gone (or hidden) is an empty answer, not a MissingError.
  const specification = {
    lexreply_channel: {},
    lexreply_state: {},
    lexreply_taken_over: {},
    lexreply_line_user_id: {},
    lexreply_draft: {},
    lexreply_approved_at: {},
    lexreply_approved_by: {},
    partner_id: { fields: { lexreply_line_user_id: {} } },
  };
  const found = await odoo.executeKw<{ records: unknown[] }>(TICKET, "web_search_read", [[["id", "=", ticketId]]], { specification });
  return z.array(deliverableSchema).parse(found.records)[0] ?? null;
}

/** Marks the approved draft sent; `false` when the ticket is no longer that approved draft (nothing changed). */
export async function recordDelivery(odoo: OdooClient, ticketId: number, vals: { approved_at: string; delivered: "push"; text: string }): Promise<boolean> {
  return z.boolean().parse(await odoo.executeKw(TICKET, "lexreply_record_delivery", [[ticketId], vals]));
}
