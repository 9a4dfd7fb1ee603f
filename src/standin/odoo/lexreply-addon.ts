import { ADMIN_UID, XMLID } from "./base-data.js";
import type { Env } from "./env.js";
import { accessError, userError, valueError } from "./errors.js";
import { plaintextToHtml } from "./html.js";
import { createMessage, type PostCommit } from "./mail.js";
import { TICKET_MODEL } from "./models.js";
import { odooNow, type OdooStore, type Row, type Vals } from "./store.js";
import type { ApplyOutcome } from "../../odoo/apply.js";

/**
 * The addon's three write methods as the stand-in implements them (README, "Contract notes"): each is
 * one transaction, checks the safety rules itself, and refuses (nothing written) what breaks one.
 */

const EXECUTION = "lexreply.execution";
const PRICES = { input: 1.25, cached: 0.125, output: 10 };

interface Execution {
  kind?: string;
  channel?: string;
  outcome?: string;
  why?: string;
  model?: string | false;
  model_latency_ms?: number | false;
  tokens_in?: number;
  tokens_cached?: number;
  tokens_out?: number;
  check_verdict?: string;
  check_failures?: string | false;
}

/** The sidecar's outcome as it arrives on the wire: its execution part is read leniently, as the addon does. */
type Outcome = Omit<ApplyOutcome, "execution"> & { execution: Execution };

const STATES = ["sent", "draft", "escalated", "failed"];

const OUTCOME_KEYS = ["message_id", "state", "client_text", "client_text_kind", "note", "draft", "case_id", "matter_ids", "activity", "delivered", "execution"];
const EXECUTION_KEYS = ["kind", "channel", "outcome", "why", "model", "model_latency_ms", "tokens_in", "tokens_cached", "tokens_out", "check_verdict", "check_failures"];

function refuseUnknownKeys(what: string, v: unknown, known: string[]): void {
  const unknown = Object.keys((v ?? {}) as object).filter((k) => !known.includes(k));
  if (unknown.length) throw userError(`${what}: unknown keys ${unknown.join(", ")}`);
}

function parseOutcome(v: unknown): Outcome {
  refuseUnknownKeys("lexreply_apply outcome", v, OUTCOME_KEYS);
  refuseUnknownKeys("lexreply_apply execution", (v as Outcome | undefined)?.execution, EXECUTION_KEYS);
  const o = (v ?? {}) as Partial<Outcome>;
  if (typeof o.draft === "string" && o.draft.includes("[LexReply]")) throw userError("lexreply_apply: the draft carries the audit line; it belongs in the note");
  if (o.client_text && !o.client_text_kind) throw userError("lexreply_apply: client_text needs client_text_kind");
  if (typeof o.message_id !== "number") throw valueError("lexreply_apply: outcome.message_id must be an integer");
  if (!STATES.includes(String(o.state))) throw valueError(`lexreply_apply: unknown state ${JSON.stringify(o.state)}`);
  if (typeof o.note !== "string") throw valueError("lexreply_apply: outcome.note must be text");
  return {
    message_id: o.message_id,
    state: o.state!,
    client_text: typeof o.client_text === "string" && o.client_text ? o.client_text : false,
    client_text_kind: o.client_text_kind ?? false,
    note: o.note,
    draft: typeof o.draft === "string" && o.draft ? o.draft : false,
    case_id: typeof o.case_id === "number" ? o.case_id : false,
    matter_ids: Array.isArray(o.matter_ids) ? o.matter_ids.filter((i): i is number => typeof i === "number") : [],
    activity: o.activity && typeof o.activity === "object" ? o.activity : false,
    delivered: o.delivered ?? false,
    execution: o.execution ?? {},
  };
}

const partner = (store: OdooStore, id: unknown) => (typeof id === "number" ? store.row("res.partner", id) : undefined);
const commercialOf = (store: OdooStore, p: Row) => store.value("res.partner", p, "commercial_partner_id") as number;
const isShare = (store: OdooStore, p: Row) => store.value("res.partner", p, "partner_share") === true;

/** A matter is visible to R when it is R's own or R's company's (never a colleague's own). */
function visibleTo(store: OdooStore, caseId: number, r: Row): boolean {
  const matter = store.row("legal.case", caseId);
  return !!matter && (matter.partner_id === r.id || matter.partner_id === commercialOf(store, r));
}

/** The audience rule, enforced again where the client-facing text is written: the reason it fails, or null. */
export function audienceProblem(store: OdooStore, ticket: Row, authorId: unknown, matterIds: number[]): string | null {
  const client = partner(store, ticket.partner_id);
  if (!client) return "the ticket has no partner: its partner_email is nobody known";
  if (authorId !== client.id) return "the message's author is not the ticket's partner";
  const botPartner = store.row("res.users", store.ref(XMLID.bot))!.partner_id;
  const followers = ((ticket.message_partner_ids as number[] | undefined) ?? [])
    .map((id) => partner(store, id))
    .filter((p): p is Row => !!p && p.id !== botPartner && isShare(store, p));
  for (const r of [client, ...followers])
    for (const m of matterIds) if (!visibleTo(store, m, r)) return `matter ${m} is not visible to recipient ${r.name} (partner ${r.id})`;
  return null;
}

function currentLineId(store: OdooStore, ticket: Row): string | false {
  return (partner(store, ticket.partner_id)?.lexreply_line_user_id as string | undefined) || false;
}

function checkOutcome(store: OdooStore, ticket: Row, o: Outcome): void {
  const message = store.row("mail.message", o.message_id);
  if (!message || message.model !== TICKET_MODEL || message.res_id !== ticket.id) throw accessError(`message ${o.message_id} is not a message of ticket ${ticket.id}`);
  const clientFacing = o.state === "sent" || o.client_text_kind === "answer";
  if (ticket.lexreply_taken_over && clientFacing) throw accessError(`ticket ${ticket.id} was taken over by a person: nothing client-facing from the bot`);
  if (clientFacing || o.matter_ids.length > 0) {
    const problem = audienceProblem(store, ticket, message.author_id, o.matter_ids);
    if (problem) throw accessError(`audience rule: ${problem}`);
  }
  const onLine = o.delivered === "reply" || o.delivered === "push";
  if (onLine && o.client_text_kind === "answer" && (!ticket.lexreply_line_user_id || ticket.lexreply_line_user_id !== currentLineId(store, ticket)))
    throw accessError(`the ticket's LINE account is not its partner's current one`);
}

/** The matter's paralegal, else the team leader, else the assignee, else the administrator; never the bot. */
function responsible(store: OdooStore, ticket: Row, caseId: number | false): number {
  const matter = caseId ? store.row("legal.case", caseId) : undefined;
  const leader = store.value(TICKET_MODEL, ticket, "lexreply_team_leader_id");
  const bot = store.ref(XMLID.bot);
  return [matter?.paralegal_id, leader, ticket.user_id].find((u): u is number => typeof u === "number" && u !== bot) ?? ADMIN_UID;
}

function cost(e: Execution): number {
  const fresh = (e.tokens_in ?? 0) - (e.tokens_cached ?? 0);
  return (fresh * PRICES.input + (e.tokens_cached ?? 0) * PRICES.cached + (e.tokens_out ?? 0) * PRICES.output) / 1e6;
}

const html = (text: string) => plaintextToHtml(text);

function postAs(env: Env, ticketId: number, body: string, subtype: string, after: PostCommit, extra: { relayTo?: string } = {}): number {
  return createMessage(
    env.store,
    { model: TICKET_MODEL, resId: ticketId, body: html(body), messageType: "comment", subtypeId: env.store.ref(subtype), authorId: env.partnerId, emailFrom: false, ...extra },
    after,
    env.uid,
  );
}

/** One open LexReply activity per ticket: a new one appends its note to the open one. */
function scheduleActivity(env: Env, ticket: Row, caseId: number | false, activity: { summary: string; note: string }): void {
  const open = env.store.search("mail.activity", [["res_model", "=", TICKET_MODEL], ["res_id", "=", ticket.id], ["summary", "=like", "LexReply%"]])[0];
  if (open !== undefined) {
    const row = env.store.row("mail.activity", open)!;
    env.store.write("mail.activity", [open], { note: `${row.note ?? ""}${html(activity.note)}` }, env.uid);
    return;
  }
  const summary = activity.summary.startsWith("LexReply") ? activity.summary : `LexReply: ${activity.summary}`;
  env.store.create(
    "mail.activity",
    {
      res_model: TICKET_MODEL,
      res_id: ticket.id,
      activity_type_id: env.store.ref(XMLID.todo),
      summary,
      note: html(activity.note),
      user_id: responsible(env.store, ticket, caseId),
      date_deadline: odooNow().slice(0, 10),
    },
    env.uid,
  );
}

/** `helpdesk.ticket.lexreply_apply(ids, outcome)`. */
export function lexreplyApply(env: Env, ids: number[], raw: unknown, after: PostCommit): Vals {
  const store = env.store;
  if (ids.length !== 1) throw valueError(`Expected singleton: helpdesk.ticket(${ids.join(", ")})`);
  const ticket = store.row(TICKET_MODEL, ids[0]!);
  if (!ticket) throw accessError(`ticket ${ids[0]} does not exist or is not visible`);
  const o = parseOutcome(raw);
  const existing = store.search(EXECUTION, [["ticket_id", "=", ticket.id], ["message_id", "=", o.message_id], ["kind", "=", "answer"]])[0];
  if (existing !== undefined) return { applied: false, state: ticket.lexreply_state, execution_id: existing };
  checkOutcome(store, ticket, o);
  const channel = (ticket.lexreply_channel as string) || "email";
  const takenOver = ticket.lexreply_taken_over === true;
  let note = o.note;
  if (o.client_text && !takenOver) {
    const what = o.client_text_kind === "answer" ? "Answer" : "Holding reply";
    if (channel === "line") note = `${what} sent on LINE by ${o.delivered || "nobody (not delivered)"}:\n\n${o.client_text}\n\n${note}`;
    else if (ticket.partner_id) postAs(env, ticket.id, o.client_text, XMLID.comment, after);
    else if (o.client_text_kind === "holding" && ticket.partner_email) postAs(env, ticket.id, o.client_text, XMLID.comment, after, { relayTo: String(ticket.partner_email) });
  }
  const price = cost(o.execution);
  const [first, ...rest] = note.split("\n");
  postAs(env, ticket.id, [`${first} · US$${price.toFixed(4)}`, ...rest].join("\n"), XMLID.note, after);
  if (o.activity) scheduleActivity(env, ticket, o.case_id, o.activity);
  store.write(TICKET_MODEL, [ticket.id], { lexreply_state: o.state, lexreply_draft: o.draft, lexreply_case_id: o.case_id }, env.uid);
  const message = store.row("mail.message", o.message_id)!;
  const e = o.execution;
  const executionId = store.create(
    EXECUTION,
    {
      ticket_id: ticket.id,
      message_id: o.message_id,
      kind: "answer",
      channel,
      partner_id: ticket.partner_id || false,
      case_id: o.case_id,
      outcome: o.state,
      why: e.why ?? "",
      model: e.model || false,
      model_latency_ms: e.model_latency_ms || 0,
      reply_latency_ms: Math.max(0, Date.now() - Date.parse(`${String(message.date).replace(" ", "T")}Z`)),
      tokens_in: e.tokens_in ?? 0,
      tokens_cached: e.tokens_cached ?? 0,
      tokens_out: e.tokens_out ?? 0,
      check_verdict: e.check_verdict ?? "not_checked",
      check_failures: e.check_failures || false,
    },
    env.uid,
  );
  return { applied: true, state: o.state, execution_id: executionId };
}

interface IntakeEvent {
  webhook_event_id: string;
  line_user_id: string;
  text: string;
  as_note: boolean;
  note: string | false;
}

/** `helpdesk.ticket.lexreply_line_intake(event)`: the partner, its open LINE ticket, the message — one transaction. */
export function lexreplyLineIntake(env: Env, raw: unknown, after: PostCommit): Vals {
  const store = env.store;
  refuseUnknownKeys("lexreply_line_intake event", raw, ["webhook_event_id", "line_user_id", "text", "as_note", "note"]);
  const e = (raw ?? {}) as Partial<IntakeEvent>;
  if (typeof e.webhook_event_id !== "string" || typeof e.line_user_id !== "string" || typeof e.text !== "string")
    throw valueError("lexreply_line_intake: webhook_event_id, line_user_id and text are required");
  const seen = store.search("mail.message", [["lexreply_line_event_id", "=", e.webhook_event_id]], { limit: 1 })[0];
  if (seen !== undefined) {
    const m = store.row("mail.message", seen)!;
    const t = store.row(TICKET_MODEL, m.res_id as number);
    const p = partner(store, t?.partner_id);
    return { ticket_id: m.res_id, message_id: seen, partner_id: p?.id ?? false, duplicate: true, partner_lang: p?.lang ?? false };
  }
  const partnerId = store.search("res.partner", [["lexreply_line_user_id", "=", e.line_user_id]], { limit: 1 })[0];
  if (partnerId === undefined) return { ticket_id: false, message_id: false, partner_id: false, duplicate: false };
  const client = store.row("res.partner", partnerId)!;
  const open = store.search(
    TICKET_MODEL,
    [["lexreply_channel", "=", "line"], ["partner_id", "=", partnerId], ["lexreply_line_user_id", "=", e.line_user_id], ["lexreply_open", "=", true]],
    { order: "id desc", limit: 1 },
  )[0];
  const ticketId =
    open ??
    store.create(
      TICKET_MODEL,
      { name: `LINE: ${client.name}`, description: html(e.text), partner_id: partnerId, lexreply_channel: "line", lexreply_line_user_id: e.line_user_id },
      env.uid,
    );
  const asNote = e.as_note === true;
  const messageId = createMessage(
    store,
    {
      model: TICKET_MODEL,
      resId: ticketId,
      body: html(asNote ? String(e.note || e.text) : e.text),
      messageType: "comment",
      subtypeId: store.ref(asNote ? XMLID.note : XMLID.comment),
      authorId: asNote ? env.partnerId : partnerId,
      emailFrom: false,
      lineEventId: e.webhook_event_id,
    },
    after,
    env.uid,
  );
  return { ticket_id: ticketId, message_id: messageId, partner_id: partnerId, duplicate: false, partner_lang: client.lang ?? false };
}

/** `helpdesk.ticket.lexreply_record_delivery(ids, vals)`: false when the ticket is no longer that approved draft. */
export function lexreplyRecordDelivery(env: Env, ids: number[], raw: unknown, after: PostCommit): boolean {
  const store = env.store;
  const v = (raw ?? {}) as { approved_at?: string; delivered?: string; text?: string };
  const ticket = ids.length === 1 ? store.row(TICKET_MODEL, ids[0]!) : undefined;
  if (!ticket) throw userError("lexreply_record_delivery needs one ticket");
  if (ticket.lexreply_state !== "draft" || !ticket.lexreply_approved_at || ticket.lexreply_approved_at !== v.approved_at) return false;
  postAs(env, ticket.id, `Approved draft sent on LINE by ${v.delivered ?? "push"}:\n\n${v.text ?? ""}`, XMLID.note, after);
  store.write(TICKET_MODEL, [ticket.id], { lexreply_state: "sent", lexreply_draft: false, lexreply_approved_at: false, lexreply_approved_by: false }, env.uid);
  return true;
}
