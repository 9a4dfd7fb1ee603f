import type { Logger } from "../logger.js";
import type { OdooClient } from "../odoo/client.js";
import { applyOutcome, type ApplyOutcome, type Delivered, type ExecutionLog, type FinalState } from "../odoo/apply.js";
import { OdooError } from "../odoo/errors.js";
import { readTicketContext, type CaseRecord, type MessageRecord, type PartnerRecord, type TicketRecord } from "../odoo/ticket-context.js";
import type { Answerer, AnswerResult } from "../llm/answerer.js";
import type { Language, Templates } from "../templates/renderer.js";
import { audienceOf } from "./audience.js";
import { auditLine } from "./audit.js";
import { chooseMatter, clientFacts, type ClientFacts, type MatterFacts } from "./client-facts.js";
import { checkAnswer, type CheckVerdict } from "./fact-check.js";
import { detectLanguage } from "./language.js";
import { decide, type Policy, type SenderAuth, type SenderAuthPolicy } from "./policy.js";
import { htmlToText, stripMarkdown } from "./text.js";

export interface LineTarget {
  ticketId: number;
  messageId: number;
  lineUserId: string;
}

/**
 * Carries a text to a LINE user (the channel decides between the reply token and a push) and keeps a
 * ledger of what it sent per message, so a run that died before Odoo recorded the send does not send again.
 */
export interface LineDelivery {
  /** The outcome of a send an earlier run made for this message and may not have recorded in Odoo. */
  alreadySent(target: LineTarget): ApplyOutcome | null;
  /** Sends `text`; `outcome(method)` is kept in the ledger with the send, until Odoo has it. */
  send(target: LineTarget, text: string, outcome: (method: "reply" | "push") => ApplyOutcome): Promise<ApplyOutcome>;
}

export interface Escalation {
  ticketId: number;
  ticketName: string;
  question: string;
  reason: string;
  responsibleUserId: number | null;
  state: FinalState;
}

/** Told of every ticket that ends escalated or failed (staff e-mail digest, metrics). */
export interface EscalationListener {
  escalated(e: Escalation): void;
}

export interface PipelineDeps {
  odoo: OdooClient;
  templates: Templates;
  answerer: Answerer;
  /** Answers instead of the holding reply when the model fails (`LLM_FALLBACK=templates`). */
  fallbackAnswerer?: Answerer;
  line?: LineDelivery;
  escalations?: EscalationListener;
  /** Told what the pipeline composed for each question before it is carried out (the sandbox page shows it). */
  onComposed?: (job: AskJob, composition: Composition) => void;
  log: Logger;
  llmTimeoutMs: number;
  senderAuthPolicy: SenderAuthPolicy;
  /** What is known to be wrong with the configured model (announced shutdown, gone), for escalation notes. */
  modelNotice?: () => string | null;
  now?: () => Date;
}

export interface AskJob {
  ticketId: number;
  messageId: number;
  /** `/ask` came again for a job that already finished: only a ticket still waiting is answered again. */
  repeat: boolean;
}

export interface Outcome {
  state: FinalState | "skipped" | "refused";
  reason: string;
  delivery?: Delivered;
}

export type Fallback = "busy" | "unknown_client" | "no_case" | "review";

/** What the pipeline concluded for one question, before anything is written or sent. */
export type Plan =
  | { kind: "send"; reply: string; audit: string; matter: MatterFacts | null }
  | { kind: "draft"; reply: string; why: string; audit: string; matter: MatterFacts | null }
  | { kind: "escalate"; fallback: Fallback; why: string; matter: MatterFacts | null; draft?: string; audit?: string };

/** The question and everything the model was given and said: the dry run and the sandbox show all of it. */
export interface Composition {
  plan: Plan;
  lang: Language;
  facts?: ClientFacts;
  prompt?: { system: string; user: string };
  result?: AnswerResult;
  verdict?: CheckVerdict;
  latencyMs?: number;
}

export interface Question {
  text: string;
  client: PartnerRecord;
  channel: "email" | "line";
  policy: Policy;
  senderAuth: SenderAuth;
  /** The audience rule: only matters every recipient may see reach the prompt (all when absent). */
  mayKnow?: (matter: CaseRecord) => boolean;
}

/** Everything the outcome of one question is built from. */
interface Conversation {
  job: AskJob;
  ticket: TicketRecord;
  question: string;
  lang: Language;
  clientName: string;
  channel: "email" | "line";
  /** Who the answer would reach, for the note. */
  audience: string;
}

/**
 * One question, two Odoo round trips: the nested read, then `lexreply_apply` with the whole outcome.
 * Whatever fails after the read ends in an outcome a person sees (a note and an activity); only an
 * Odoo that cannot be reached leaves the ticket waiting, for the addon's re-send cron.
 */
export async function answerTicket(deps: PipelineDeps, job: AskJob): Promise<Outcome> {
  const { ticket, message } = await readTicketContext(deps.odoo, job.ticketId, job.messageId);
  if (!message) {
    deps.log.warn({ ticketId: job.ticketId, messageId: job.messageId }, "refused: the message is not on this ticket (or not visible); nothing answered");
    return { state: "refused", reason: `message ${job.messageId} is not a message of ticket ${job.ticketId}` };
  }
  // Handled already: a repeat, or this very message's outcome recorded by a run that died before it heard so.
  const waiting = ["pending", "answering"].includes(ticket.lexreply_state ?? "");
  const handled = ticket.lexreply_state && !waiting && ticket.lexreply_last_message_id?.id === job.messageId;
  if ((job.repeat && !waiting) || handled) {
    return { state: "skipped", reason: `already handled (state ${ticket.lexreply_state})` };
  }
  const text = htmlToText(message.body ?? "");
  const channel = ticket.lexreply_channel ?? "email";
  const conv: Conversation = {
    job,
    ticket,
    question: text,
    lang: detectLanguage(text, message.author_id?.lang ?? undefined),
    clientName: message.author_id?.name ?? "",
    channel,
    audience: "",
  };
  const line = lineTarget(ticket, job);
  const earlier = line && deps.line?.alreadySent(line);
  if (earlier) {
    deps.log.info({ ticketId: ticket.id, messageId: job.messageId }, "already sent on LINE by an earlier run: recording it, not sending again");
    return apply(deps, conv, earlier);
  }
  let outcome: ApplyOutcome;
  try {
    outcome = await decideAndDeliver(deps, conv, message);
  } catch (err) {
    outcome = await afterFailure(deps, conv, `LexReply failed while answering: ${(err as Error).message}`);
  }
  return apply(deps, conv, outcome);
}

function lineTarget(ticket: TicketRecord, job: AskJob): LineTarget | null {
  if (ticket.lexreply_channel !== "line" || !ticket.lexreply_line_user_id) return null;
  return { ticketId: ticket.id, messageId: job.messageId, lineUserId: ticket.lexreply_line_user_id };
}

/** Who wrote, who would read it, what may be said: the plan, then its delivery on LINE (e-mail is Odoo's). */
async function decideAndDeliver(deps: PipelineDeps, conv: Conversation, message: MessageRecord): Promise<ApplyOutcome> {
  const { ticket } = conv;
  if (ticket.lexreply_taken_over) {
    const why = "a person took this ticket over: LexReply sent nothing";
    return { ...silent(conv, "escalated", why), note: `LexReply stayed silent — ${why}.`, activity: false };
  }
  if (conv.channel === "line" && (!ticket.lexreply_line_user_id || ticket.lexreply_line_user_id !== ticket.partner_id?.lexreply_line_user_id)) {
    return silent(conv, "escalated", "the client's LINE account is no longer linked to this ticket (unlinked or linked anew): nothing was sent on LINE; reply another way");
  }
  const audience = audienceOf(ticket, message);
  conv.audience = audience.describe;
  if (!audience.ok) return deliver(deps, conv, { kind: "escalate", fallback: "review", why: `held by the audience rule: ${audience.why}`, matter: null });
  const client = identifyClient(ticket, message);
  if (!client.partner) return deliver(deps, conv, { kind: "escalate", fallback: "unknown_client", why: client.why, matter: null });
  const question: Question = { text: conv.question, client: client.partner, channel: conv.channel, policy: ticket.lexreply_policy, senderAuth: message.lexreply_sender_auth, mayKnow: audience.mayKnow };
  const composition = await composeAnswer(deps, question);
  deps.onComposed?.(conv.job, composition);
  return deliver(deps, conv, composition.plan, composition);
}

/** The author's matters exist, but not one is visible to everyone the answer would reach. */
const NOTHING_VISIBLE = "held by the audience rule: none of the client's matters may be told to everyone who would receive the answer";

/**
 * From a client's question to a checked, policy-decided reply: facts → matter → prompt → model →
 * check → decision → reply text. Nothing here writes to Odoo or reaches the client.
 */
export async function composeAnswer(deps: PipelineDeps, q: Question): Promise<Composition> {
  const lang = detectLanguage(q.text, q.client.lang);
  const labels = deps.templates.labels(lang);
  const now = deps.now?.() ?? new Date();
  const facts = clientFacts(q.client, labels, now, q.mayKnow);
  if (facts.matters.length === 0) {
    const hidden = q.mayKnow && clientFacts(q.client, labels, now).matters.length > 0;
    const plan: Plan = hidden
      ? { kind: "escalate", fallback: "review", why: NOTHING_VISIBLE, matter: null }
      : { kind: "escalate", fallback: "no_case", why: "the client has no matter on file", matter: null };
    return { lang, facts, plan };
  }
  const choice = chooseMatter(q.text, facts, labels);
  const prompt = renderPrompt(deps.templates, lang, q.text, facts, choice.matter, choice.unknownNumbers, now);

  const started = Date.now();
  const request = { ...prompt, lang, facts, matter: choice.matter, unknownNumbers: choice.unknownNumbers.length > 0 };
  let result: AnswerResult;
  const budget = AbortSignal.timeout(deps.llmTimeoutMs);
  try {
    result = await deps.answerer.answer({ ...request, signal: budget });
  } catch (err) {
    const failure = budget.aborted ? `the model did not answer within ${deps.llmTimeoutMs} ms` : modelFailure(err);
    // A retired model fails every answer: the note says so, not just "busy".
    const modelNotice = deps.modelNotice?.();
    const why = modelNotice ? `${failure} (${modelNotice})` : failure;
    deps.log.warn({ err: why }, "model step failed");
    if (!deps.fallbackAnswerer) return { lang, facts, prompt, plan: { kind: "escalate", fallback: "busy", why, matter: choice.matter } };
    result = await deps.fallbackAnswerer.answer({ ...request, signal: AbortSignal.timeout(deps.llmTimeoutMs) });
  }
  const latencyMs = Date.now() - started;

  const answer = stripMarkdown(result.output.answer);
  const verdict = checkAnswer(answer, result.output, facts, { today: now });
  const audit = auditLine(result, latencyMs, verdict);
  const matter = matterFromVerdict(facts, verdict) ?? choice.matter;
  const decision = decide({ policy: q.policy, verdict, needsHuman: result.output.needs_human, channel: q.channel, senderAuth: q.senderAuth, senderAuthPolicy: deps.senderAuthPolicy });
  const reply = renderReply(deps.templates, lang, q.channel, facts.name, answer);
  const base = { lang, facts, prompt, result, verdict, latencyMs };
  switch (decision.action) {
    case "escalate":
      return { ...base, plan: { kind: "escalate", fallback: "review", why: decision.why, matter, draft: reply, audit } };
    case "draft":
      return { ...base, plan: { kind: "draft", reply, why: decision.why, audit, matter } };
    case "send":
      return { ...base, plan: { kind: "send", reply, audit, matter } };
  }
}

/** The message's author is the client; a stranger, a staff member or an ambiguous address is not. */
function identifyClient(ticket: TicketRecord, message: MessageRecord): { partner: PartnerRecord | null; why: string } {
  const author = message.author_id;
  if (!author) return { partner: null, why: `the sender ${message.email_from ?? ticket.partner_email ?? ""} matches no client` };
  if (!author.partner_share) return { partner: null, why: "the message was written by a staff member, not a client" };
  if (ticket.lexreply_channel !== "line" && author.lexreply_email_shared) {
    return { partner: null, why: `the address ${author.email} belongs to several partners` };
  }
  return { partner: author, why: "" };
}

function renderPrompt(templates: Templates, lang: Language, question: string, facts: ClientFacts, matter: MatterFacts | null, unknownNumbers: string[], now: Date) {
  const vars = {
    today: now.toISOString().slice(0, 10),
    client_name: facts.name,
    matters: facts.matters,
    selected_number: matter?.number ?? "",
    unknown_numbers: unknownNumbers.length > 0,
    question,
  };
  return { system: templates.render(lang, "prompt/system", {}), user: templates.render(lang, "prompt/user", vars) };
}

function renderReply(templates: Templates, lang: Language, channel: "email" | "line", clientName: string, body: string): string {
  return templates.render(lang, `reply/${channel}`, { client_name: clientName, body });
}

function modelFailure(err: unknown): string {
  const e = err as { status?: number; message?: string };
  if (e.status) return `the model service answered HTTP ${e.status}: ${e.message ?? ""}`.trim();
  return `the model step failed: ${e.message ?? String(err)}`;
}

function matterFromVerdict(facts: ClientFacts, verdict: CheckVerdict): MatterFacts | null {
  return facts.matters.find((m) => verdict.groundedFacts.includes(m.number.toUpperCase())) ?? null;
}

function execution(conv: Conversation, state: FinalState, why: string, c?: Composition): ExecutionLog {
  return {
    kind: "answer",
    channel: conv.channel,
    outcome: state,
    why,
    model: c?.result?.model ?? false,
    model_latency_ms: c?.latencyMs ?? false,
    tokens_in: c?.result?.usage.inputTokens ?? 0,
    tokens_cached: c?.result?.usage.cachedTokens ?? 0,
    tokens_out: c?.result?.usage.outputTokens ?? 0,
    check_verdict: c?.verdict ? (c.verdict.passed ? "passed" : "failed") : "not_checked",
    check_failures: c?.verdict && !c.verdict.passed ? c.verdict.problems.join(", ") : false,
  };
}

const ACTIVITY_SUMMARY = "LexReply: reply to the client";
const activity = (conv: Conversation, why: string) => ({ summary: ACTIVITY_SUMMARY, note: `${why}\n\nClient's message:\n${conv.question}` });
const audienceLine = (conv: Conversation) => (conv.audience ? `\nAudience: ${conv.audience}.` : "");

/** Nothing reaches the client; a person is asked (unless one already owns the ticket). */
function silent(conv: Conversation, state: FinalState, why: string): ApplyOutcome {
  return {
    message_id: conv.job.messageId,
    state,
    client_text: false,
    client_text_kind: false,
    note: `LexReply needs a person — ${why}${audienceLine(conv)}`,
    draft: false,
    case_id: false,
    matter_ids: [],
    activity: activity(conv, why),
    delivered: false,
    execution: execution(conv, state, why),
  };
}

/** The outcome of a plan: what the client reads, what the note says, who is asked to act. */
function outcomeOf(deps: PipelineDeps, conv: Conversation, plan: Plan, c?: Composition): ApplyOutcome {
  const matterIds = plan.kind === "escalate" && !plan.draft ? [] : (c?.facts?.matters.map((m) => m.id) ?? []);
  const base: Pick<ApplyOutcome, "message_id" | "case_id" | "matter_ids" | "delivered"> = {
    message_id: conv.job.messageId,
    case_id: plan.matter?.id ?? false,
    matter_ids: matterIds,
    delivered: conv.channel === "email" ? "email" : false,
  };
  switch (plan.kind) {
    case "send":
      return {
        ...base,
        state: "sent",
        client_text: plan.reply,
        client_text_kind: "answer",
        note: `${plan.audit}${audienceLine(conv)}`,
        draft: false,
        activity: false,
        execution: execution(conv, "sent", "answer sent", c),
      };
    case "draft":
      return {
        ...base,
        state: "draft",
        client_text: holding(deps, conv, "review"),
        client_text_kind: "holding",
        note: `${plan.audit}\nDraft answer awaiting approval — ${plan.why}${audienceLine(conv)}\nThe client was told a person will reply.`,
        draft: plan.reply,
        activity: { summary: "LexReply: approve the draft answer", note: `${plan.why}\n\nClient's message:\n${conv.question}` },
        execution: execution(conv, "draft", plan.why, c),
      };
    case "escalate":
      return {
        ...base,
        state: "escalated",
        client_text: holding(deps, conv, plan.fallback),
        client_text_kind: "holding",
        note: `${plan.audit ? `${plan.audit}\n` : ""}LexReply needs a person — ${plan.why}${audienceLine(conv)}${plan.draft ? "\nThe draft answer was not sent; the client got a holding reply." : ""}`,
        draft: plan.draft ?? false,
        activity: activity(conv, plan.why),
        execution: execution(conv, "escalated", plan.why, c),
      };
  }
}

function holding(deps: PipelineDeps, conv: Conversation, fallback: Fallback): string {
  return renderReply(deps.templates, conv.lang, conv.channel, conv.clientName, deps.templates.render(conv.lang, `fallback/${fallback}`, {}));
}

/** E-mail: Odoo mails the client text when the outcome is applied. LINE: the sidecar sends it first. */
async function deliver(deps: PipelineDeps, conv: Conversation, plan: Plan, c?: Composition): Promise<ApplyOutcome> {
  const outcome = outcomeOf(deps, conv, plan, c);
  const target = lineTarget(conv.ticket, conv.job);
  if (conv.channel === "email" || !outcome.client_text) return outcome;
  if (!deps.line || !target) return afterFailure(deps, conv, "the LINE channel is not configured (LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN)", outcome);
  try {
    return await deps.line.send(target, outcome.client_text, (method) => ({ ...outcome, delivered: method }));
  } catch (err) {
    return afterFailure(deps, conv, `LINE refused the message: ${(err as Error).message}`, outcome);
  }
}

/**
 * Something broke after the read (a template, the model's wrapper, LINE): the client gets nothing
 * more from here (on LINE the channel itself failed), a person gets the note and an activity, and
 * whatever was drafted is kept for them.
 */
async function afterFailure(deps: PipelineDeps, conv: Conversation, why: string, planned?: ApplyOutcome): Promise<ApplyOutcome> {
  deps.log.error({ ticketId: conv.ticket.id, messageId: conv.job.messageId, err: why }, "answer not delivered; a person is asked to reply");
  const unsent = planned?.client_text ? `\n\nNot delivered to the client:\n${planned.client_text}` : "";
  const draft = planned?.client_text_kind === "answer" ? planned.client_text : (planned?.draft ?? false);
  const holdingText = conv.channel === "email" ? safeHolding(deps, conv) : false;
  return {
    ...silent(conv, "escalated", why),
    ...(holdingText ? { client_text: holdingText, client_text_kind: "holding" as const, delivered: "email" as const } : {}),
    note: `LexReply needs a person — ${why}${audienceLine(conv)}${unsent}`,
    draft,
    matter_ids: draft ? (planned?.matter_ids ?? []) : [],
    case_id: planned?.case_id ?? false,
    execution: { ...(planned?.execution ?? execution(conv, "escalated", why)), outcome: "escalated", why },
  };
}

/** The busy holding reply, if the templates can still render it. */
function safeHolding(deps: PipelineDeps, conv: Conversation): string | false {
  try {
    return holding(deps, conv, "busy");
  } catch {
    return false;
  }
}

/**
 * `lexreply_apply`. When the addon refuses (a safety rule the sidecar's read did not see, e.g. a
 * follower added meanwhile), a holding outcome without case data is applied instead, so the
 * question still ends with a person's activity.
 */
async function apply(deps: PipelineDeps, conv: Conversation, outcome: ApplyOutcome): Promise<Outcome> {
  const { ticket } = conv;
  let final = outcome;
  try {
    await applyOutcome(deps.odoo, ticket.id, outcome);
  } catch (err) {
    if (!(err instanceof OdooError)) throw err;
    deps.log.warn({ ticketId: ticket.id, err }, "Odoo refused the outcome; applying a holding outcome without case data instead");
    const delivered = outcome.delivered === "reply" || outcome.delivered === "push";
    const why = `Odoo refused the answer (${err.message})`;
    const sentText = delivered && outcome.client_text ? `\n\nAlready sent on LINE by ${outcome.delivered}:\n${outcome.client_text}` : "";
    final = { ...(await afterFailure(deps, conv, why)), draft: false, matter_ids: [], case_id: false };
    final.note += sentText;
    if (ticket.lexreply_taken_over || delivered) final = { ...final, client_text: false, client_text_kind: false, delivered: false };
    await applyOutcome(deps.odoo, ticket.id, final);
  }
  if (final.state === "escalated" || final.state === "failed") {
    deps.escalations?.escalated({
      ticketId: ticket.id,
      ticketName: ticket.name ?? "",
      question: conv.question,
      reason: final.execution.why,
      responsibleUserId: ticket.lexreply_team_leader_id ?? ticket.user_id ?? null,
      state: final.state,
    });
  }
  const delivery = final.delivered || undefined;
  deps.log.info({ ticketId: ticket.id, state: final.state, delivery }, `answer ${final.state}`);
  return { state: final.state, reason: final.execution.why, delivery };
}
