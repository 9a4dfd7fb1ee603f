import type { AskJobs } from "../jobs/ask-jobs.js";
import type { Composition } from "../pipeline/answer-ticket.js";
import type { CompositionLog } from "./composition-log.js";
import { UNKNOWN_SENDER, type ChatterEntry, type SandboxClient, type SandboxFirm, type SandboxTeam } from "./firm.js";
import type { LineRecorder } from "./line-recorder.js";

export interface SandboxQuestion {
  clientId: number;
  channel: "email" | "line";
  teamId: number;
  text: string;
}

export interface SandboxOutcome {
  client: SandboxClient;
  ticket: { id: number; name: string; state: string };
  /** What reached the client: the e-mail comment Odoo sends, or the LINE text the recorder kept. */
  clientReply: { text: string; how: string } | null;
  chatter: ChatterEntry[];
  activities: { summary: string; user: string; deadline: string }[];
  /** What the pipeline composed: facts, prompt, answer, verdict. Absent when no model step ran (unknown client, no matter). */
  composition: Composition | null;
}

/** A question or action the sample firm cannot take, said on the page (422), never a 500. */
export class SandboxError extends Error {}

const WAITING = ["pending", "answering"];

/**
 * One question at a time through the real pipeline: post it in Odoo as the client, let the
 * automation call `/ask`, wait for the job, then collect what the client and the paralegal see.
 * Serialised so one question's wait does not interleave with another's.
 */
export class SandboxSession {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: { firm: SandboxFirm; jobs: AskJobs; compositions: CompositionLog; line: LineRecorder; timeoutMs: number },
  ) {}

  ask(q: SandboxQuestion): Promise<SandboxOutcome> {
    const run = this.queue.then(() => this.run(q));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Approve & send on a held draft, as a paralegal would press it in Odoo. */
  approve(ticketId: number): Promise<SandboxOutcome> {
    const run = this.queue.then(() => this.runApproval(ticketId));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async client(id: number): Promise<SandboxClient> {
    if (id === UNKNOWN_SENDER.id) return UNKNOWN_SENDER;
    const client = (await this.deps.firm.clients()).find((c) => c.id === id);
    if (!client) throw new SandboxError(`There is no client ${id} in the sample firm: pick one from the list.`);
    return client;
  }

  private async team(id: number): Promise<SandboxTeam> {
    const team = (await this.deps.firm.teams()).find((t) => t.id === id);
    if (!team) throw new SandboxError(`There is no helpdesk team ${id} with LexReply on in the sample firm: pick one from the list.`);
    return team;
  }

  private async run(q: SandboxQuestion): Promise<SandboxOutcome> {
    const { firm, compositions } = this.deps;
    const client = await this.client(q.clientId);
    await this.team(q.teamId);
    if (q.channel === "line" && !client.lineUserId) {
      throw new SandboxError(`${client.name} has not linked a LINE account; on LINE they would first be offered linking. Ask by e-mail, or pick 陳美玲.`);
    }
    const lineSent = this.deps.line.sent.length;
    const { ticketId, messageId } = await firm.postQuestion(client, q.channel, q.teamId, q.text);
    const ticket = await this.settled(ticketId);
    return { ...(await this.outcome(client, q.channel, { id: ticketId, ...ticket }, messageId, lineSent)), composition: compositions.take(messageId) };
  }

  private async runApproval(ticketId: number): Promise<SandboxOutcome> {
    const { firm } = this.deps;
    const ticket = await firm.ticket(ticketId).catch(() => {
      throw new SandboxError(`There is no ticket ${ticketId} in the sample firm.`);
    });
    if (ticket.state !== "draft" || !ticket.draft) throw new SandboxError(`Ticket ${ticketId} holds no draft to approve (it is ${ticket.state || "not asked yet"}).`);
    const client = ticket.partnerId ? await this.client(ticket.partnerId) : UNKNOWN_SENDER;
    const before = await firm.lastMessageId(ticketId);
    const lineSent = this.deps.line.sent.length;
    if (ticket.channel === "line") {
      if (!ticket.lineUserId) throw new SandboxError(`Ticket ${ticketId} has no LINE user to send to.`);
      this.deps.line.record({ ticketId, lineUserId: ticket.lineUserId }, ticket.draft);
    }
    await firm.approve(ticketId, ticket.draft, ticket.channel, ticket.partnerId);
    return { ...(await this.outcome(client, ticket.channel, { id: ticketId, name: ticket.name, state: "sent" }, before, lineSent)), composition: null };
  }

  /** What the client and the paralegal see after the message `after`. */
  private async outcome(client: SandboxClient, channel: "email" | "line", ticket: SandboxOutcome["ticket"], after: number, lineSent: number): Promise<Omit<SandboxOutcome, "composition">> {
    const chatter = await this.deps.firm.chatterAfter(ticket.id, after);
    return {
      client,
      ticket,
      clientReply: this.replyOf(channel, ticket.id, chatter, this.deps.line.sent.slice(lineSent)),
      chatter,
      activities: await this.deps.firm.activities(ticket.id),
    };
  }

  /** Waits until the ticket leaves pending/answering (the job is submitted before Odoo's RPC answers). */
  private async settled(ticketId: number): Promise<{ name: string; state: string }> {
    const deadline = Date.now() + this.deps.timeoutMs;
    for (;;) {
      await this.deps.jobs.drain();
      const { name, state } = await this.deps.firm.ticketState(ticketId);
      if (state && !WAITING.includes(state)) return { name, state };
      if (Date.now() > deadline) throw new SandboxError(`ticket ${ticketId} is still ${state || "not asked"} after ${this.deps.timeoutMs} ms; see the sidecar's log`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private replyOf(channel: "email" | "line", ticketId: number, chatter: ChatterEntry[], lineSent: { ticketId: number; text: string }[]): SandboxOutcome["clientReply"] {
    if (channel === "email") {
      const mailed = chatter.filter((m) => !m.internal);
      return mailed.length ? { text: mailed.map((m) => m.text).join("\n\n"), how: "by e-mail (the comment Odoo mails to the client)" } : null;
    }
    const texts = lineSent.filter((s) => s.ticketId === ticketId).map((s) => s.text);
    return texts.length ? { text: texts.join("\n\n"), how: "on LINE (kept by the sandbox, sent to no one)" } : null;
  }
}
