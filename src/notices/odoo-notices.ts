import { z } from "zod";
import type { OdooClient } from "../odoo/client.js";

/** The Odoo side of notices: one read naming every field (never `internal_note`), one `lexreply_notice_apply`. */

const CASE = "legal.case";
const text = z.string().or(z.literal(false));

const partnerSpec = {
  name: {},
  lang: {},
  email: {},
  is_company: {},
  lexreply_notify: {},
  lexreply_line_user_id: {},
  commercial_partner_id: { fields: { display_name: {} } },
};
const caseSpec = {
  number: {},
  name: {},
  state: {},
  active: {},
  court: {},
  next_event_date: {},
  next_event: {},
  lexreply_notice_policy: {},
  partner_id: { fields: partnerSpec },
};

const partnerSchema = z.object({
  id: z.number(),
  name: text,
  lang: text,
  email: text,
  is_company: z.boolean(),
  lexreply_notify: z.boolean(),
  lexreply_line_user_id: text,
  commercial_partner_id: z.object({ id: z.number() }).or(z.literal(false)),
});
const matterSchema = z.object({
  id: z.number(),
  number: z.string(),
  name: z.string(),
  state: z.string(),
  active: z.boolean(),
  court: text,
  next_event_date: text,
  next_event: text,
  lexreply_notice_policy: z.enum(["review", "auto"]).or(z.literal(false)),
  partner_id: partnerSchema,
});
const updateSchema = z.object({ id: z.number(), date: z.string(), summary: z.string(), client_visible: z.boolean(), case_id: matterSchema });
const approvedSchema = z.object({ id: z.number(), key: z.string(), kind: z.enum(["update", "reminder"]), client_text: text, case_id: matterSchema });

export type Matter = z.output<typeof matterSchema>;
export type Client = z.output<typeof partnerSchema>;
export type CaseUpdate = z.output<typeof updateSchema>;
export type ApprovedNotice = z.output<typeof approvedSchema>;

/** search, not browse: a record that is gone, archived or hidden by a rule is an empty answer, not an exception. */
async function readOne<S extends z.ZodType>(odoo: OdooClient, model: string, domain: unknown[], spec: object, schema: S): Promise<z.output<S>[]> {
  const { records } = await odoo.executeKw<{ records: unknown[] }>(model, "web_search_read", [], { domain, specification: spec });
  return z.array(schema).parse(records);
}

/** The update with its matter and the matter's client, in one round trip; the integration user sees client-visible updates only. */
export async function readUpdate(odoo: OdooClient, updateId: number): Promise<CaseUpdate | null> {
  const spec = { date: {}, summary: {}, client_visible: {}, case_id: { fields: caseSpec } };
  const rows = await readOne(odoo, "legal.case.update", [["id", "=", updateId], ["client_visible", "=", true]], spec, updateSchema);
  return rows[0] ?? null;
}

export async function readMatter(odoo: OdooClient, caseId: number): Promise<Matter | null> {
  return (await readOne(odoo, CASE, [["id", "=", caseId]], caseSpec, matterSchema))[0] ?? null;
}

/** Notices a paralegal approved that are still to be pushed on LINE. */
export function readApproved(odoo: OdooClient, caseId: number): Promise<ApprovedNotice[]> {
  const spec = { key: {}, kind: {}, client_text: {}, case_id: { fields: caseSpec } };
  return readOne(odoo, "lexreply.notice", [["case_id", "=", caseId], ["state", "=", "approved"]], spec, approvedSchema);
}

export interface NoticeRecord {
  kind: "update" | "reminder";
  update_id: number | false;
  event_date: string | false;
  state: "sent" | "draft" | "skipped";
  client_text: string;
  delivered: "push" | "email" | false;
  note: string;
  key: string;
}

const applyResultSchema = z.object({ notice_id: z.number(), state: z.string(), duplicate: z.boolean() });
export type ApplyResult = z.output<typeof applyResultSchema>;

/** Everything a notice leaves in Odoo, in one transaction; the addon refuses what breaks the audience rule. */
export async function applyNotice(odoo: OdooClient, caseId: number, record: NoticeRecord): Promise<ApplyResult> {
  return applyResultSchema.parse(await odoo.executeKw(CASE, "lexreply_notice_apply", [[caseId], record]));
}

/** The client's own switch, from LINE; the partner's chatter records the change (the field is tracked). */
export async function setClientNotify(odoo: OdooClient, partnerId: number, on: boolean): Promise<void> {
  await odoo.executeKw("res.partner", "write", [[partnerId], { lexreply_notify: on }]);
}
