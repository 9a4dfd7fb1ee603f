import type { Logger } from "../logger.js";
import type { OdooClient } from "../odoo/client.js";
import { postComment, postNote, scheduleActivity, writeTicket, type TicketState } from "../odoo/chatter.js";
import { emailIsShared, readTicketContext, type MessageRecord, type PartnerRecord, type TicketRecord } from "../odoo/ticket-context.js";
import type { Answerer, AnswerResult } from "../llm/answerer.js";
import type { Language, Templates } from "../templates/renderer.js";
import { auditLine } from "./audit.js";
import { chooseMatter, clientFacts, type ClientFacts, type MatterFacts } from "./client-facts.js";
import { checkAnswer, type CheckVerdict } from "./fact-check.js";
import { detectLanguage } from "./language.js";
import { decide, type SenderAuthPolicy } from "./policy.js";
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

type Fallback = "busy" | "unknown_client" | "no_case" | "review";

/** Everything the delivery steps need to know about one ticket. */
interface Conversation {
  job: AskJob;
  ticket: TicketRecord;
  question: string;
  lang: Language;
  clientName: string;
  channel: "email" | "line";
}

export async function answerTicket(deps: PipelineDeps, job: AskJob): Promise<Outcome> {
  const { ticket, message } = await readTicketContext(deps.odoo, job.ticketId, job.messageId);
  if (job.repeat && !["pending", "answering"].includes(ticket.lexreply_state ?? "")) {
    return { state: "skipped", reason: `already handled (state ${ticket.lexreply_state})` };
  }
  if (!message) return fail(deps, ticket, `message ${job.messageId} is not on the ticket or not visible`);

  const question = htmlToText(message.body ?? "");
  const identified = await identifyClient(deps.odoo, ticket, message);
  const conv: Conversation = {
    job,
    ticket,
    question,
    lang: detectLanguage(question, identified.partner?.lang),
    clientName: identified.partner?.name ?? "",
    channel: ticket.lexreply_channel ?? "email",
  };
  if (!identified.partner) return escalate(deps, conv, "unknown_client", identified.why, null);

  const now = deps.now?.() ?? new Date();
  const facts = clientFacts(identified.partner, deps.templates.labels(conv.lang), now);
  if (facts.matters.length === 0) return escalate(deps, conv, "no_case", "the client has no matter on file", null);
  const choice = chooseMatter(question, facts, deps.templates.labels(conv.lang));

  const prompt = renderPrompt(deps.templates, conv, facts, choice.matter, choice.unknownNumbers, now);
  await writeTicket(deps.odoo, ticket.id, { lexreply_state: "answering" });
  const started = Date.now();
  let result: AnswerResult;
  try {
    result = await askWithin(deps, deps.answerer, { ...prompt, lang: conv.lang, facts, matter: choice.matter });
  } catch (err) {
    const why = modelFailure(err, deps.llmTimeoutMs);
    deps.log.warn({ ticketId: ticket.id, err: why }, "model step failed");
    if (!deps.fallbackAnswerer) return escalate(deps, conv, "busy", why, choice.matter);
    result = await deps.fallbackAnswerer.answer({ ...prompt, lang: conv.lang, facts, matter: choice.matter, signal: AbortSignal.timeout(deps.llmTimeoutMs) });
  }
  const latencyMs = Date.now() - started;

  const answer = stripMarkdown(result.output.answer);
  const verdict = checkAnswer(answer, result.output, facts);
  const audit = auditLine(result, latencyMs, verdict);
  const matter = matterFromVerdict(facts, verdict) ?? choice.matter;
  const decision = decide({
    policy: ticket.lexreply_policy,
    verdict,
    needsHuman: result.output.needs_human,
    channel: conv.channel,
    senderAuth: ticket.lexreply_sender_auth,
    senderAuthPolicy: deps.senderAuthPolicy,
  });
  const reply = renderReply(deps.templates, conv, answer);

  if (decision.action === "escalate") return escalate(deps, conv, "review", decision.why, matter, `${reply}\n\n${audit}`);
  if (decision.action === "draft") return holdDraft(deps, conv, reply, `${decision.why}\n${audit}`, matter);
  return sendAnswer(deps, conv, reply, audit, matter);
}

/** The message's author is the client; a stranger, a staff member or an ambiguous address is not. */
async function identifyClient(odoo: OdooClient, ticket: TicketRecord, message: MessageRecord): Promise<{ partner: PartnerRecord | null; why: string }> {
  const author = message.author_id;
  if (!author) return { partner: null, why: `the sender ${message.email_from ?? ticket.partner_email ?? ""} matches no client` };
  if (!author.partner_share) return { partner: null, why: "the message was written by a staff member, not a client" };
  const ticketClient = ticket.partner_id?.commercial_partner_id;
  if (ticketClient && ticketClient !== author.commercial_partner_id?.id) {
    return { partner: null, why: "the sender is not the ticket's client (another party wrote on this ticket)" };
  }
  if (ticket.lexreply_channel !== "line" && author.email && (await emailIsShared(odoo, author.email))) {
    return { partner: null, why: `the address ${author.email} belongs to several partners` };
  }
  return { partner: author, why: "" };
}

function renderPrompt(templates: Templates, conv: Conversation, facts: ClientFacts, matter: MatterFacts | null, unknownNumbers: string[], now: Date) {
  const vars = {
    today: now.toISOString().slice(0, 10),
    client_name: facts.name,
    matters: facts.matters,
    selected_number: matter?.number ?? "",
    unknown_numbers: unknownNumbers.length > 0,
    question: conv.question,
  };
  return { system: templates.render(conv.lang, "prompt/system", {}), user: templates.render(conv.lang, "prompt/user", vars) };
}

function renderReply(templates: Templates, conv: Conversation, body: string): string {
  return templates.render(conv.lang, `reply/${conv.channel}`, { client_name: conv.clientName, body });
}

async function askWithin(deps: PipelineDeps, answerer: Answerer, req: Omit<Parameters<Answerer["answer"]>[0], "signal">): Promise<AnswerResult> {
  return answerer.answer({ ...req, signal: AbortSignal.timeout(deps.llmTimeoutMs) });
}

function modelFailure(err: unknown, budgetMs: number): string {
  const e = err as { name?: string; status?: number; message?: string };
  if (e.name === "TimeoutError" || e.name === "APIUserAbortError" || e.name === "AbortError" || e.name === "APIConnectionTimeoutError") {
    return `the model did not answer within ${budgetMs} ms`;
  }
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
  const how = await deliver(deps, conv, renderReply(deps.templates, conv, ack));
  await postNote(deps.odoo, conv.ticket.id, `Draft answer awaiting approval — ${why}\n\n${draft}\n\nThe client was told a person will reply (${sentOn(how)}).`);
  await writeTicket(deps.odoo, conv.ticket.id, { lexreply_state: "draft", lexreply_draft: draft, lexreply_case_id: matter?.id ?? false });
  deps.log.info({ ticketId: conv.ticket.id, delivery: how }, "answer held as draft");
  return { state: "draft", reason: why, delivery: how };
}

function responsibleUser(ticket: TicketRecord, matter: MatterFacts | null): number | null {
  return matter?.paralegal_user_id ?? ticket.team_id?.user_id ?? ticket.user_id ?? null;
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
  const holding = renderReply(deps.templates, conv, deps.templates.render(conv.lang, `fallback/${fallback}`, {}));
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
