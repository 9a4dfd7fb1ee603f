import { z } from "zod";
import type { OdooClient } from "./client.js";

/**
 * One nested `web_read` brings the ticket, the message that fired `/ask`, its author, the author's
 * (and the author's company's) matters with their client-visible updates, and everyone an answer
 * would reach: the ticket's partner with its current LINE id and the ticket's followers. Every field
 * is named: a read without a field list would count as reading `internal_note`.
 */
const UPDATE_SPEC = { date: {}, summary: {}, client_visible: {} };
const CASE_SPEC = {
  number: {},
  name: {},
  case_type: {},
  state: {},
  court: {},
  next_event_date: {},
  next_event: {},
  client_summary: {},
  write_date: {},
  paralegal_id: {},
  partner_id: {},
  user_id: { fields: { name: {} } },
  update_ids: { fields: UPDATE_SPEC },
};
export const PARTNER_SPEC = {
  name: {},
  email: {},
  lang: {},
  partner_share: {},
  lexreply_email_shared: {},
  lexreply_case_ids: { fields: CASE_SPEC },
  commercial_partner_id: { fields: { name: {}, lexreply_case_ids: { fields: CASE_SPEC } } },
};
const MESSAGE_SPEC = {
  body: {},
  message_type: {},
  email_from: {},
  date: {},
  model: {},
  res_id: {},
  lexreply_sender_auth: {},
  author_id: { fields: PARTNER_SPEC },
};
const AUDIENCE_SPEC = { name: {}, email: {}, partner_share: {}, is_company: {}, commercial_partner_id: {} };
export const TICKET_SPEC = {
  name: {},
  partner_email: {},
  lexreply_channel: {},
  lexreply_state: {},
  lexreply_policy: {},
  lexreply_line_user_id: {},
  lexreply_taken_over: {},
  user_id: {},
  lexreply_team_leader_id: {},
  partner_id: { fields: { name: {}, commercial_partner_id: {}, lexreply_line_user_id: {} } },
  message_partner_ids: { fields: AUDIENCE_SPEC },
  lexreply_last_message_id: { fields: MESSAGE_SPEC },
};

// Odoo writes `false` for an empty value of any type.
const orNull = <T extends z.ZodType>(t: T) => z.union([t, z.literal(false)]).transform((v) => (v === false ? null : v));
const m2oId = orNull(z.union([z.number(), z.object({ id: z.number() }).transform((o) => o.id)]));

const updateSchema = z.object({ id: z.number(), date: orNull(z.string()), summary: orNull(z.string()), client_visible: z.boolean() });
const caseSchema = z.object({
  id: z.number(),
  number: orNull(z.string()),
  name: orNull(z.string()),
  case_type: orNull(z.string()),
  state: z.string(),
  court: orNull(z.string()),
  next_event_date: orNull(z.string()),
  next_event: orNull(z.string()),
  client_summary: orNull(z.string()),
  write_date: orNull(z.string()),
  paralegal_id: m2oId,
  partner_id: m2oId,
  user_id: orNull(z.object({ id: z.number(), name: z.string() })),
  update_ids: z.array(updateSchema),
});
export const partnerSchema = z.object({
  id: z.number(),
  name: orNull(z.string()),
  email: orNull(z.string()),
  lang: orNull(z.string()),
  partner_share: z.boolean(),
  lexreply_email_shared: z.boolean(),
  lexreply_case_ids: z.array(caseSchema),
  commercial_partner_id: orNull(z.object({ id: z.number(), name: orNull(z.string()), lexreply_case_ids: z.array(caseSchema) })),
});
const messageSchema = z.object({
  id: z.number(),
  body: orNull(z.string()),
  message_type: z.string(),
  email_from: orNull(z.string()),
  date: orNull(z.string()),
  model: orNull(z.string()),
  res_id: orNull(z.number()),
  lexreply_sender_auth: orNull(z.enum(["pass", "fail", "none"])),
  author_id: orNull(partnerSchema),
});
const followerSchema = z.object({
  id: z.number(),
  name: orNull(z.string()),
  email: orNull(z.string()),
  partner_share: z.boolean(),
  is_company: z.boolean(),
  commercial_partner_id: m2oId,
});
const ticketSchema = z.object({
  id: z.number(),
  name: orNull(z.string()),
  partner_email: orNull(z.string()),
  lexreply_channel: orNull(z.enum(["email", "line"])),
  lexreply_state: orNull(z.string()),
  lexreply_policy: z.enum(["auto", "review", "auto_if_grounded"]),
  lexreply_line_user_id: orNull(z.string()),
  lexreply_taken_over: z.boolean(),
  user_id: m2oId,
  lexreply_team_leader_id: m2oId,
  partner_id: orNull(z.object({ id: z.number(), name: orNull(z.string()), commercial_partner_id: m2oId, lexreply_line_user_id: orNull(z.string()) })),
  message_partner_ids: z.array(followerSchema),
  lexreply_last_message_id: orNull(messageSchema),
});

export type CaseRecord = z.output<typeof caseSchema>;
export type PartnerRecord = z.output<typeof partnerSchema>;
export type MessageRecord = z.output<typeof messageSchema>;
export type TicketRecord = z.output<typeof ticketSchema>;
export type FollowerRecord = z.output<typeof followerSchema>;

export class TicketNotFoundError extends Error {}

/**
 * The ticket with the message `/ask` names; a second read only when a newer message has already
 * arrived. A message that is not this ticket's comes back as `null`: it is never answered.
 */
export async function readTicketContext(odoo: OdooClient, ticketId: number, messageId: number): Promise<{ ticket: TicketRecord; message: MessageRecord | null }> {
  const rows = await odoo.executeKw<unknown[]>("helpdesk.ticket", "web_read", [[ticketId]], { specification: TICKET_SPEC });
  if (rows.length === 0) throw new TicketNotFoundError(`ticket ${ticketId} does not exist or is not visible to the integration user`);
  const ticket = ticketSchema.parse(rows[0]);
  const last = ticket.lexreply_last_message_id;
  const message =
    last?.id === messageId
      ? last
      : await odoo
          .executeKw<unknown[]>("mail.message", "web_read", [[messageId]], { specification: MESSAGE_SPEC })
          .then((found) => (found.length ? messageSchema.parse(found[0]) : null));
  const onTicket = message && message.model === "helpdesk.ticket" && message.res_id === ticketId;
  return { ticket, message: onTicket ? message : null };
}
