import type { AskJobs } from "../jobs/ask-jobs.js";
import type { Composition } from "../pipeline/answer-ticket.js";
import type { CompositionLog } from "./composition-log.js";
import type { ChatterEntry, SandboxClient, SandboxFirm } from "./firm.js";
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
    private readonly deps: { firm: SandboxFirm; jobs: AskJobs; compositions: CompositionLog; line: LineRecorder | null; timeoutMs: number },
  ) {}

  ask(q: SandboxQuestion): Promise<SandboxOutcome> {
    const run = this.queue.then(() => this.run(q));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(q: SandboxQuestion): Promise<SandboxOutcome> {
    const { firm, compositions, line } = this.deps;
    const client = (await firm.clients()).find((c) => c.id === q.clientId);
    if (!client) throw new SandboxError(`client ${q.clientId} is not in the sample firm`);
    if (q.channel === "line" && !client.lineUserId) throw new SandboxError(`${client.name} has not linked a LINE account; on LINE they would first be offered linking. Ask by e-mail, or pick 陳美玲.`);
    const lineSent = line?.sent.length ?? 0;
    const { ticketId, messageId } = await firm.postQuestion(client, q.channel, q.teamId, q.text);
    const ticket = await this.settled(ticketId);
    const chatter = await firm.chatterAfter(ticketId, messageId);
    return {
      client,
      ticket: { id: ticketId, ...ticket },
      clientReply: this.replyOf(q.channel, ticketId, chatter, line?.sent.slice(lineSent)),
      chatter,
      activities: await firm.activities(ticketId),
      composition: compositions.take(messageId),
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

  private replyOf(channel: "email" | "line", ticketId: number, chatter: ChatterEntry[], lineSent: { ticketId: number; text: string }[] | undefined): SandboxOutcome["clientReply"] {
    if (channel === "email") {
      const mailed = chatter.filter((m) => !m.internal);
      return mailed.length ? { text: mailed.map((m) => m.text).join("\n\n"), how: "by e-mail (the comment Odoo mails to the client)" } : null;
    }
    if (!lineSent) return { text: "(sent through the configured LINE channel: see the chatter note)", how: "on LINE" };
    const texts = lineSent.filter((s) => s.ticketId === ticketId).map((s) => s.text);
    return texts.length ? { text: texts.join("\n\n"), how: "on LINE (kept by the sandbox, sent to no one)" } : null;
  }
}
