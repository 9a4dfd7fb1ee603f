import type { FieldDef, ModelDef } from "./schema.js";

/** What the addon's notices add to the models (legal_case_notice.py): the ledger, the switch, the policy. */

export const NOTICE_POLICIES = ["review", "auto"] as const;
export const NOTICE_STATES = ["draft", "approved", "sent", "skipped"] as const;

const field = (def: FieldDef): FieldDef => def;

const NOTICE_MODEL: ModelDef = {
  name: "lexreply.notice",
  description: "Notice to a client",
  order: "id desc",
  displayName: (_s, row) => String(row.key),
  userAccess: ["read"],
  fields: {
    key: field({ type: "char", string: "Key", required: true, unique: true }),
    case_id: field({ type: "many2one", relation: "legal.case", string: "Matter", required: true }),
    kind: field({ type: "selection", selection: ["update", "reminder"], string: "Kind", required: true }),
    update_id: field({ type: "many2one", relation: "legal.case.update", string: "Update" }),
    event_date: field({ type: "date", string: "Event date" }),
    state: field({ type: "selection", selection: NOTICE_STATES, string: "Status", default: () => "draft" }),
    client_text: field({ type: "text", string: "Text for the client" }),
    delivered: field({ type: "selection", selection: ["push", "email"], string: "Sent by" }),
    note: field({ type: "text", string: "Why" }),
    approved_uid: field({ type: "many2one", relation: "res.users", string: "Approved by" }),
    approved_at: field({ type: "datetime", string: "Approved on" }),
  },
};

const EXTRA_FIELDS: Record<string, Record<string, FieldDef>> = {
  "res.partner": { lexreply_notify: field({ type: "boolean", string: "Notices and reminders", default: () => true }) },
  "legal.case": {
    lexreply_notice_policy: field({
      type: "selection",
      selection: NOTICE_POLICIES,
      string: "Notice policy",
      compute: (store) => (NOTICE_POLICIES as readonly string[]).find((p) => p === store.getParam("lexreply.notice_policy")) ?? "review",
    }),
  },
  "mail.mail": { headers: field({ type: "text", string: "Headers" }) },
};

/** The catalogue with the notices' fields and model added. */
export function withNotices(models: ModelDef[]): ModelDef[] {
  const extended = models.map((m) => (EXTRA_FIELDS[m.name] ? { ...m, fields: { ...m.fields, ...EXTRA_FIELDS[m.name] } } : m));
  return [...extended, NOTICE_MODEL];
}
