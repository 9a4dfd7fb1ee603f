import type { Logger } from "../logger.js";
import type { OdooClient } from "../odoo/client.js";
import { postComment, postNote, scheduleActivity, writeTicket, type TicketState } from "../odoo/chatter.js";
import { readTicketContext, type MessageRecord, type PartnerRecord, type TicketRecord } from "../odoo/ticket-context.js";
import type { Answerer, AnswerResult } from "../llm/answerer.js";
import type { Language, Templates } from "../templates/renderer.js";
import { auditLine } from "./audit.js";
import { chooseMatter, clientFacts, type ClientFacts, type MatterFacts } from "./client-facts.js";
import { checkAnswer, type CheckVerdict } from "./fact-check.js";
import { detectLanguage } from "./language.js";
import { decide, type Policy, type SenderAuth, type SenderAuthPolicy } from "./policy.js";
import { htmlToText, stripMarkdown } from "./text.js";

/** Carries a text to a LINE user; the LINE channel decides between the reply token and a push. */
export interface LineDelivery {
  send(target: { ticketId: number; messageId: number; lineUserId: string }, text: string): Promise<{ method: "reply" | "push" }>;
}

export interface Escalation {
  ticketId: number;
  ticketName: string;
  question: string;
  reason: string;
  responsibleUserId: number | null;
  state: TicketState;
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
  now?: () => Date;
}

export interface AskJob {
  ticketId: number;
  messageId: number;
  /** `/ask` came again for a job that already finished: only a ticket still waiting is answered again. */
  repeat: boolean;
}

export interface Outcome {
  state: TicketState | "skipped";
  reason: string;
  delivery?: "email" | "reply" | "push";
}

export type Fallback = "busy" | "unknown_client" | "no_case" | "review";

/** Everything the delivery steps need to know about one ticket. */
interface Conversation {
  job: AskJob;
  ticket: TicketRecord;
  question: string;
  lang: Language;
  clientName: string;
  channel: "email" | "line";
}

/** What the pipeline concluded for one question, before anything is written or sent. */
export type Plan =
  | { kind: "send"; reply: string; audit: string; matter: MatterFacts | null }
  | { kind: "draft"; reply: string; why: string; matter: MatterFacts | null }
  | { kind: "escalate"; fallback: Fallback; why: string; matter: MatterFacts | null; draft?: string };

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
}

export async function answerTicket(deps: PipelineDeps, job: AskJob): Promise<Outcome> {
  const { ticket, message } = await readTicketContext(deps.odoo, job.ticketId, job.messageId);
  if (job.repeat && !["pending", "answering"].includes(ticket.lexreply_state ?? "")) {
    return { state: "skipped", reason: `already handled (state ${ticket.lexreply_state})` };
  }
  if (!message) return fail(deps, ticket, `message ${job.messageId} is not on the ticket or not visible`);

  const text = htmlToText(message.body ?? "");
  const identified = identifyClient(ticket, message);
  const channel = ticket.lexreply_channel ?? "email";
  const conv: Conversation = { job, ticket, question: text, lang: detectLanguage(text, identified.partner?.lang), clientName: identified.partner?.name ?? "", channel };
  if (!identified.partner) return carryOut(deps, conv, { kind: "escalate", fallback: "unknown_client", why: identified.why, matter: null });

  const question: Question = { text, client: identified.partner, channel, policy: ticket.lexreply_policy, senderAuth: ticket.lexreply_sender_auth };
  const composition = await composeAnswer(deps, question, () => writeTicket(deps.odoo, ticket.id, { lexreply_state: "answering" }).then(() => undefined));
  deps.onComposed?.(job, composition);
  return carryOut(deps, conv, composition.plan);
}

/**
 * From a client's question to a checked, policy-decided reply: facts → matter → prompt → model →
 * check → decision → reply text. Nothing here writes to Odoo or reaches the client.
 */
export async function composeAnswer(deps: PipelineDeps, q: Question, beforeModel: () => Promise<void> = async () => {}): Promise<Composition> {
  const lang = detectLanguage(q.text, q.client.lang);
  const labels = deps.templates.labels(lang);
  const now = deps.now?.() ?? new Date();
  const facts = clientFacts(q.client, labels, now);
  if (facts.matters.length === 0) return { lang, facts, plan: { kind: "escalate", fallback: "no_case", why: "the client has no matter on file", matter: null } };
  const choice = chooseMatter(q.text, facts, labels);
  const prompt = renderPrompt(deps.templates, lang, q.text, facts, choice.matter, choice.unknownNumbers, now);

  await beforeModel();
  const started = Date.now();
  const request = { ...prompt, lang, facts, matter: choice.matter, unknownNumbers: choice.unknownNumbers.length > 0 };
  let result: AnswerResult;
  const budget = AbortSignal.timeout(deps.llmTimeoutMs);
  try {
    result = await deps.answerer.answer({ ...request, signal: budget });
  } catch (err) {
    const why = budget.aborted ? `the model did not answer within ${deps.llmTimeoutMs} ms` : modelFailure(err);
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
      return { ...base, plan: { kind: "escalate", fallback: "review", why: decision.why, matter, draft: `${reply}\n\n${audit}` } };
    case "draft":
      return { ...base, plan: { kind: "draft", reply, why: `${decision.why}\n${audit}`, matter } };
    case "send":
      return { ...base, plan: { kind: "send", reply, audit, matter } };
  }
}

/** Writes and sends what the plan says: the only step that touches the client. */
function carryOut(deps: PipelineDeps, conv: Conversation, plan: Plan): Promise<Outcome> {
  switch (plan.kind) {
    case "send":
      return sendAnswer(deps, conv, plan.reply, plan.audit, plan.matter);
    case "draft":
      return holdDraft(deps, conv, plan.reply, plan.why, plan.matter);
    case "escalate":
      return escalate(deps, conv, plan.fallback, plan.why, plan.matter, plan.draft);
  }
}

/** The message's author is the client; a stranger, a staff member or an ambiguous address is not. */
function identifyClient(ticket: TicketRecord, message: MessageRecord): { partner: PartnerRecord | null; why: string } {
  const author = message.author_id;
  if (!author) return { partner: null, why: `the sender ${message.email_from ?? ticket.partner_email ?? ""} matches no client` };
  if (!author.partner_share) return { partner: null, why: "the message was written by a staff member, not a client" };
  const ticketClient = ticket.partner_id?.commercial_partner_id;
  if (ticketClient && ticketClient !== author.commercial_partner_id?.id) {
    return { partner: null, why: "the sender is not the ticket's client (another party wrote on this ticket)" };
  }
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

/** Sends a text to the client on the ticket's channel; on LINE the chatter gets a note instead of a mailed comment. */
async function deliver(deps: PipelineDeps, conv: Conversation, text: string): Promise<"email" | "reply" | "push"> {
  if (conv.channel === "email") {
    await postComment(deps.odoo, conv.ticket.id, text);
    return "email";
  }
  if (!deps.line) throw new Error("the LINE channel is not configured (LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN)");
  if (!conv.ticket.lexreply_line_user_id) throw new Error("the LINE ticket has no LINE user id");
  const { method } = await deps.line.send({ ticketId: conv.ticket.id, messageId: conv.job.messageId, lineUserId: conv.ticket.lexreply_line_user_id }, text);
  return method;
}

const sentOn = (how: "email" | "reply" | "push") => (how === "email" ? "sent by email" : `sent on LINE by ${how}`);

async function sendAnswer(deps: PipelineDeps, conv: Conversation, reply: string, audit: string, matter: MatterFacts | null): Promise<Outcome> {
  const how = await deliver(deps, conv, reply);
  await postNote(deps.odoo, conv.ticket.id, how === "email" ? `Answer ${sentOn(how)}.\n${audit}` : `Answer ${sentOn(how)}:\n\n${reply}\n\n${audit}`);
  await writeTicket(deps.odoo, conv.ticket.id, { lexreply_state: "sent", lexreply_draft: false, lexreply_case_id: matter?.id ?? false });
  deps.log.info({ ticketId: conv.ticket.id, delivery: how }, "answer sent");
  return { state: "sent", reason: "answer sent", delivery: how };
}

async function holdDraft(deps: PipelineDeps, conv: Conversation, draft: string, why: string, matter: MatterFacts | null): Promise<Outcome> {
  const ack = deps.templates.render(conv.lang, "fallback/review", {});
  const how = await deliver(deps, conv, renderReply(deps.templates, conv.lang, conv.channel, conv.clientName, ack));
  await postNote(deps.odoo, conv.ticket.id, `Draft answer awaiting approval — ${why}\n\n${draft}\n\nThe client was told a person will reply (${sentOn(how)}).`);
  await writeTicket(deps.odoo, conv.ticket.id, { lexreply_state: "draft", lexreply_draft: draft, lexreply_case_id: matter?.id ?? false });
  deps.log.info({ ticketId: conv.ticket.id, delivery: how }, "answer held as draft");
  return { state: "draft", reason: why, delivery: how };
}

function responsibleUser(ticket: TicketRecord, matter: MatterFacts | null): number | null {
  return matter?.paralegal_user_id ?? ticket.lexreply_team_leader_id ?? ticket.user_id ?? null;
}

/** A person takes over: the client gets a holding reply, the ticket a note and an activity. */
async function escalate(
  deps: PipelineDeps,
  conv: Conversation,
  fallback: Fallback,
  why: string,
  matter: MatterFacts | null,
  draft?: string,
): Promise<Outcome> {
  const { ticket } = conv;
  const holding = renderReply(deps.templates, conv.lang, conv.channel, conv.clientName, deps.templates.render(conv.lang, `fallback/${fallback}`, {}));
  let state: TicketState = "escalated";
  let delivered: string;
  let how: Outcome["delivery"];
  try {
    how = await deliver(deps, conv, holding);
    delivered = `Holding reply ${sentOn(how)}:\n\n${holding}`;
  } catch (err) {
    state = "failed";
    delivered = `The holding reply could not be delivered: ${(err as Error).message}`;
  }
  const userId = responsibleUser(ticket, matter);
  await postNote(deps.odoo, ticket.id, `LexReply needs a person — ${why}\n\n${delivered}${draft ? `\n\nDraft (not sent):\n\n${draft}` : ""}`);
  await scheduleActivity(deps.odoo, ticket.id, userId, "LexReply: reply to the client", `${why}\n\nClient's message:\n${conv.question}`);
  await writeTicket(deps.odoo, ticket.id, { lexreply_state: state, lexreply_draft: draft ?? false, lexreply_case_id: matter?.id ?? false });
  deps.escalations?.escalated({ ticketId: ticket.id, ticketName: ticket.name ?? "", question: conv.question, reason: why, responsibleUserId: userId, state });
  deps.log.info({ ticketId: ticket.id, state, reason: why }, "ticket escalated to a person");
  return { state, reason: why, delivery: how };
}

/** Nothing could be said to the client: the ticket is marked failed for a person to pick up. */
async function fail(deps: PipelineDeps, ticket: TicketRecord, why: string): Promise<Outcome> {
  await postNote(deps.odoo, ticket.id, `LexReply could not answer — ${why}`);
  await writeTicket(deps.odoo, ticket.id, { lexreply_state: "failed" });
  deps.escalations?.escalated({ ticketId: ticket.id, ticketName: ticket.name ?? "", question: "", reason: why, responsibleUserId: null, state: "failed" });
  return { state: "failed", reason: why };
}
