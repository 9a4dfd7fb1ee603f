import { withNotices } from "./notice-models.js";
import type { FieldDef, ModelCatalogue, ModelDef } from "./schema.js";
import type { OdooStore, Row } from "./store.js";

/** The models of Odoo 18 + helpdesk_mgmt + the lexreply addon, with the fields DESIGN.md names. */

const char = (string: string, extra: Partial<FieldDef> = {}): FieldDef => ({ type: "char", string, ...extra }) as FieldDef;
const text = (string: string, extra: Partial<FieldDef> = {}): FieldDef => ({ type: "text", string, ...extra }) as FieldDef;
const html = (string: string): FieldDef => ({ type: "html", string });
const date = (string: string): FieldDef => ({ type: "date", string });
const datetime = (string: string): FieldDef => ({ type: "datetime", string });
const integer = (string: string): FieldDef => ({ type: "integer", string });
const bool = (string: string, dflt?: boolean): FieldDef => ({
  type: "boolean",
  string,
  ...(dflt === undefined ? {} : { default: () => dflt }),
});
const selection = (string: string, values: readonly string[], dflt?: string): FieldDef => ({
  type: "selection",
  selection: values,
  string,
  ...(dflt === undefined ? {} : { default: () => dflt }),
});
const m2o = (relation: string, string: string, extra: Partial<FieldDef> = {}): FieldDef =>
  ({ type: "many2one", relation, string, ...extra }) as FieldDef;
const o2m = (relation: string, inverse: string, string: string, modelField?: string): FieldDef => ({
  type: "one2many",
  relation,
  inverse,
  string,
  ...(modelField ? { modelField } : {}),
});
const m2m = (relation: string, string: string): FieldDef => ({ type: "many2many", relation, string });
const computed = (def: FieldDef, compute: (store: OdooStore, row: Row) => unknown): FieldDef => ({ ...def, compute });
const active = bool("Active", true);

const byName = (_s: OdooStore, row: Row) => String(row.name ?? "");

export const TICKET_MODEL = "helpdesk.ticket";

export const CASE_STATES = ["intake", "in_progress", "waiting_court", "hearing_scheduled", "settled", "closed"] as const;
export const CASE_TYPES = [
  "family",
  "civil",
  "criminal",
  "commercial",
  "contract_review",
  "labor",
  "ip",
  "administrative",
  "other",
] as const;
export const POLICIES = ["auto", "review", "auto_if_grounded"] as const;
export const TICKET_STATES = ["pending", "answering", "draft", "sent", "escalated", "failed"] as const;
export const MESSAGE_TYPES = ["email", "comment", "notification", "auto_comment", "user_notification"] as const;

/** commercial_partner_id: the top company above a contact, else the partner itself. */
function commercialPartner(store: OdooStore, row: Row): number {
  if (row.is_company || !row.parent_id) return row.id;
  const parent = store.row("res.partner", row.parent_id as number);
  return parent ? commercialPartner(store, parent) : row.id;
}

/** A partner is "share" (a customer) unless an internal user is attached to it. */
function partnerShare(store: OdooStore, row: Row): boolean {
  const users = store.rows("res.users").filter((u) => u.partner_id === row.id);
  return users.length === 0 || users.every((u) => u.share === true);
}

/** The addon's `lexreply_email_shared`: another active partner has the same address, so mail from it is ambiguous. */
function emailShared(store: OdooStore, row: Row): boolean {
  const email = String(row.email || "").trim().toLowerCase();
  return Boolean(email) && store.rows("res.partner").some((p) => p.id !== row.id && p.active !== false && String(p.email || "").trim().toLowerCase() === email);
}

function partnerDisplayName(store: OdooStore, row: Row): string {
  const parent = row.parent_id ? store.row("res.partner", row.parent_id as number) : undefined;
  return parent && !row.is_company ? `${parent.name}, ${row.name}` : String(row.name ?? "");
}

/** The addon's `lexreply_team_leader_id`: each bridge knows where its flavour keeps the team's leader. */
function ticketTeamLeader(store: OdooStore, row: Row): number | false {
  const team = row.team_id ? store.row("helpdesk.ticket.team", row.team_id as number) : undefined;
  return (team?.user_id as number | undefined) || false;
}

function ticketPolicy(store: OdooStore, row: Row): string {
  const team = row.team_id ? store.row("helpdesk.ticket.team", row.team_id as number) : undefined;
  return (team?.lexreply_policy as string | false | undefined) || store.getParam("lexreply.default_policy") || "review";
}

function nextTicketNumber(store: OdooStore): string {
  return `HT${String(store.nextSequence("helpdesk.ticket")).padStart(5, "0")}`;
}

/** The addon's ticket `create`: a LINE ticket without a team goes to `lexreply.line_team_id`, else the first enabled team. */
function lineTicketTeam(store: OdooStore, vals: Record<string, unknown>): Record<string, unknown> {
  if (vals.lexreply_channel !== "line" || vals.team_id) return vals;
  const param = Number(store.getParam("lexreply.line_team_id"));
  const team =
    (param && store.row("helpdesk.ticket.team", param)?.id) || store.search("helpdesk.ticket.team", [["lexreply_enabled", "=", true]], { limit: 1 })[0];
  return team ? { ...vals, team_id: team } : vals;
}

/** Odoo subscribes a new ticket's contact (mail.thread's auto-subscription of `partner_id`). */
function followTicketPartner(vals: Record<string, unknown>): Record<string, unknown> {
  if (!vals.partner_id || vals.message_partner_ids) return vals;
  return { ...vals, message_partner_ids: [[4, vals.partner_id]] };
}

function userPartnerField(field: string) {
  return (store: OdooStore, row: Row) => store.row("res.partner", row.partner_id as number)?.[field] ?? false;
}

const models: ModelDef[] = [
  {
    name: "res.users",
    description: "User",
    order: "login",
    displayName: (store, row) => String(store.row("res.partner", row.partner_id as number)?.name ?? ""),
    userAccess: ["read"],
    fields: {
      login: char("Login", { required: true, unique: true }),
      name: computed(char("Name"), userPartnerField("name")),
      email: computed(char("Email"), userPartnerField("email")),
      partner_id: m2o("res.partner", "Related Partner", { required: true }),
      share: bool("Share User", false),
      active,
    },
  },
  {
    name: "res.partner",
    description: "Contact",
    order: "display_name, id desc",
    displayName: partnerDisplayName,
    userAccess: ["read", "write"],
    mailThread: true,
    hierarchy: true,
    fields: {
      name: char("Name"),
      email: char("Email"),
      phone: char("Phone"),
      lang: selection("Language", ["zh_TW", "en_US"], "zh_TW"),
      title: char("Title"),
      is_company: bool("Is a Company", false),
      parent_id: m2o("res.partner", "Related Company"),
      child_ids: o2m("res.partner", "parent_id", "Contact"),
      commercial_partner_id: computed(m2o("res.partner", "Commercial Entity"), commercialPartner),
      partner_share: computed(bool("Share Partner"), partnerShare),
      user_ids: o2m("res.users", "partner_id", "Users"),
      lexreply_line_user_id: char("LINE user ID", { unique: true }),
      lexreply_line_verified_at: datetime("LINE link verified at"),
      lexreply_case_ids: o2m("legal.case", "partner_id", "Matters"),
      lexreply_email_shared: computed(bool("E-mail shared with another contact"), emailShared),
      active,
    },
  },
  {
    name: "legal.case",
    description: "Legal Matter",
    order: "next_event_date asc, id desc",
    displayName: (_s, row) => `${row.number} ${row.name}`,
    userAccess: ["read"],
    mailThread: true,
    fields: {
      name: char("Title", { required: true }),
      number: char("Number", { required: true, unique: true }),
      partner_id: m2o("res.partner", "Client", { required: true }),
      case_type: selection("Type", CASE_TYPES, "other"),
      state: selection("Status", CASE_STATES, "intake"),
      user_id: m2o("res.users", "Lawyer"),
      paralegal_id: m2o("res.users", "Paralegal"),
      court: char("Court"),
      next_event_date: date("Next Event Date"),
      next_event: char("Next Event"),
      client_summary: text("Summary for the Client"),
      update_ids: o2m("legal.case.update", "case_id", "Updates"),
      internal_note: { type: "html", string: "Internal note", adminOnly: true },
      closed_date: date("Closed on"),
      active,
    },
  },
  {
    name: "legal.case.update",
    description: "Matter Update",
    order: "date desc, id desc",
    displayName: (_s, row) => String(row.summary ?? "").slice(0, 40),
    userAccess: ["read"],
    userRule: (row) => row.client_visible === true,
    fields: {
      case_id: m2o("legal.case", "Matter", { required: true }),
      partner_id: computed(m2o("res.partner", "Client"), (store, row) => store.row("legal.case", row.case_id as number)?.partner_id ?? false),
      date: date("Date"),
      summary: text("Summary", { required: true }),
      client_visible: bool("Visible to the Client", false),
    },
  },
  {
    name: "helpdesk.ticket.team",
    description: "Helpdesk Ticket Team",
    order: "name",
    displayName: byName,
    userAccess: ["read"],
    fields: {
      name: char("Name", { required: true }),
      user_id: m2o("res.users", "Team Leader"),
      lexreply_enabled: bool("LexReply answers", false),
      lexreply_policy: selection("LexReply policy", POLICIES, "review"),
      active,
    },
  },
  {
    name: "helpdesk.ticket",
    description: "Helpdesk Ticket",
    order: "number desc, id desc",
    displayName: (_s, row) => `${row.number} - ${row.name}`,
    userAccess: ["read", "write", "create"],
    // The addon lets the integration user write only `lexreply_state` itself; the rest goes through lexreply_apply.
    userWritable: (field) => field === "lexreply_state" || field === "message_main_attachment_id",
    prepareCreate: (store, vals) => followTicketPartner(lineTicketTeam(store, vals)),
    mailThread: true,
    fields: {
      number: char("Ticket number", { default: nextTicketNumber }),
      name: char("Title", { required: true }),
      description: html("Description"),
      partner_id: m2o("res.partner", "Contact"),
      partner_name: char("Contact name"),
      partner_email: char("Email"),
      team_id: m2o("helpdesk.ticket.team", "Team"),
      user_id: m2o("res.users", "Assigned user"),
      lexreply_open: bool("Open", true),
      lexreply_channel: selection("Channel", ["email", "line"]),
      lexreply_line_user_id: char("LINE user ID"),
      lexreply_state: selection("Answer state", TICKET_STATES),
      lexreply_case_id: m2o("legal.case", "Matter"),
      lexreply_draft: text("Draft answer"),
      lexreply_last_message_id: m2o("mail.message", "Last client message"),
      lexreply_policy: computed(selection("Policy", POLICIES), ticketPolicy),
      lexreply_team_leader_id: computed(m2o("res.users", "Team leader"), ticketTeamLeader),
      lexreply_sender_auth: selection("Sender authentication", ["pass", "fail", "none"], "none"),
      lexreply_taken_over: bool("Taken over by staff", false),
      lexreply_attempts: integer("LexReply attempts"),
      lexreply_approved_by: m2o("res.users", "Approved by"),
      lexreply_approved_at: datetime("Approved at"),
      // Odoo's followers of the ticket (mail.followers), as the computed many2many mail.thread offers.
      message_partner_ids: m2m("res.partner", "Followers (Partners)"),
      lexreply_asked_at: datetime("Asked LexReply at"),
      message_ids: o2m("mail.message", "res_id", "Messages", "model"),
      activity_ids: o2m("mail.activity", "res_id", "Activities", "res_model"),
      active,
    },
  },
  {
    name: "mail.message.subtype",
    description: "Message subtypes",
    order: "id",
    displayName: byName,
    userAccess: ["read"],
    fields: { name: char("Message Type", { required: true }), internal: bool("Internal Only", false) },
  },
  {
    name: "mail.message",
    description: "Message",
    order: "id desc",
    displayName: (_s, row) => String(row.subject || row.record_name || ""),
    userAccess: ["read"],
    fields: {
      subject: char("Subject"),
      record_name: char("Message Record Name"),
      model: char("Related Document Model"),
      res_id: integer("Related Document ID"),
      body: html("Contents"),
      author_id: m2o("res.partner", "Author"),
      email_from: char("From"),
      message_type: selection("Type", MESSAGE_TYPES, "comment"),
      subtype_id: m2o("mail.message.subtype", "Subtype"),
      partner_ids: m2m("res.partner", "Recipients"),
      date: datetime("Date"),
      message_id: char("Message-Id"),
      attachment_ids: m2m("ir.attachment", "Attachments"),
      // The addon's per-message verdict of the firm's receiving server, and the LINE event a message came from.
      lexreply_sender_auth: selection("Sender authentication", ["pass", "fail", "none"], "none"),
      lexreply_line_event_id: char("LINE webhook event"),
    },
  },
  {
    // The addon's log of every question handled, written only by lexreply_apply.
    name: "lexreply.execution",
    description: "LexReply Execution",
    order: "id desc",
    displayName: (_s, row) => `${row.kind} ${row.outcome}`,
    userAccess: ["read"],
    fields: {
      ticket_id: m2o("helpdesk.ticket", "Ticket"),
      message_id: m2o("mail.message", "Message"),
      kind: selection("Kind", ["answer", "notice", "reminder"], "answer"),
      channel: selection("Channel", ["email", "line"]),
      partner_id: m2o("res.partner", "Client"),
      case_id: m2o("legal.case", "Matter"),
      outcome: selection("Outcome", ["sent", "draft", "escalated", "failed"]),
      why: text("Why"),
      model: char("Model"),
      model_latency_ms: integer("Model latency (ms)"),
      reply_latency_ms: integer("Reply latency (ms)"),
      tokens_in: integer("Tokens in"),
      tokens_cached: integer("Tokens cached"),
      tokens_out: integer("Tokens out"),
      check_verdict: selection("Check", ["passed", "failed", "not_checked"]),
      check_failures: text("Check failures"),
    },
  },
  {
    // Odoo's outgoing mail queue: what a comment would email, and to whom.
    name: "mail.mail",
    description: "Outgoing Mails",
    order: "id desc",
    displayName: (_s, row) => String(row.subject || ""),
    userAccess: [],
    fields: {
      mail_message_id: m2o("mail.message", "Message", { required: true }),
      subject: char("Subject"),
      body_html: html("Body"),
      email_to: char("To"),
      recipient_ids: m2m("res.partner", "To (Partners)"),
      references: text("References"),
      auto_submitted: char("Auto-Submitted header"),
      state: selection("Status", ["outgoing", "sent", "exception", "cancel"], "outgoing"),
    },
  },
  {
    name: "mail.activity.type",
    description: "Activity Type",
    order: "id",
    displayName: byName,
    userAccess: ["read"],
    fields: { name: char("Name", { required: true }), delay_count: integer("Schedule") },
  },
  {
    name: "mail.activity",
    description: "Activity",
    order: "date_deadline, id",
    displayName: (_s, row) => String(row.summary || ""),
    userAccess: ["read", "write", "create"],
    fields: {
      res_model: char("Related Document Model", { required: true }),
      res_id: integer("Related Document ID"),
      activity_type_id: m2o("mail.activity.type", "Activity Type"),
      summary: char("Summary"),
      note: html("Note"),
      user_id: m2o("res.users", "Assigned to"),
      date_deadline: date("Due Date"),
    },
  },
  {
    name: "ir.attachment",
    description: "Attachment",
    order: "id desc",
    displayName: byName,
    userAccess: ["read", "create"],
    fields: {
      name: char("Name", { required: true }),
      datas: { type: "binary", string: "File Content (base64)" },
      res_model: char("Resource Model"),
      res_id: integer("Resource ID"),
      mimetype: char("Mime Type"),
    },
  },
  {
    name: "ir.config_parameter",
    description: "System Parameter",
    order: "key",
    displayName: (_s, row) => String(row.key),
    userAccess: [],
    fields: { key: char("Key", { required: true, unique: true }), value: text("Value", { required: true }) },
  },
  {
    // The mail gateway's entry point: an abstract model with no rows.
    name: "mail.thread",
    description: "Email Thread",
    order: "id",
    displayName: () => "",
    userAccess: ["read"],
    fields: {},
  },
];

export const MODELS: ModelCatalogue = Object.fromEntries(withNotices(models).map((m) => [m.name, m]));
