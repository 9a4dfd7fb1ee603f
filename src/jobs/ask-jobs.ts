import { randomUUID } from "node:crypto";
import type { Logger } from "../logger.js";
import type { AskJob, Outcome } from "../pipeline/answer-ticket.js";

export interface JobRecord {
  id: string;
  ticketId: number;
  messageId: number;
  status: "queued" | "running" | "done" | "error";
  outcome?: Outcome;
  error?: string;
}

export interface AskJobsOptions {
  run: (job: AskJob) => Promise<Outcome>;
  concurrency: number;
  log: Logger;
  /** How long a finished job is remembered, so a repeat is recognised. */
  keepFinishedMs?: number;
}

/**
 * `/ask` jobs: one per `(ticket_id, message_id)` however often and however concurrently Odoo asks,
 * and at most `concurrency` answers in flight so a burst of tickets cannot exhaust the model quota.
 */
export class AskJobs {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  private readonly idle = new Set<() => void>();
  private closed = false;

  constructor(private readonly opts: AskJobsOptions) {}

  /** Returns the job for this message, starting it unless one is queued or running. */
  submit(ticketId: number, messageId: number): JobRecord {
    const key = `${ticketId}:${messageId}`;
    const existing = this.jobs.get(key);
    if (existing && (existing.status === "queued" || existing.status === "running")) return existing;
    const job: JobRecord = existing ?? { id: randomUUID(), ticketId, messageId, status: "queued" };
    job.status = "queued";
    this.jobs.set(key, job);
    void this.execute(job, { ticketId, messageId, repeat: existing !== undefined });
    return job;
  }

  /**
   * Shutdown: answers not started yet are not started (their tickets are still pending, so the
   * addon's cron asks again); the running ones finish. Returns how many were left.
   */
  close(): number {
    this.closed = true;
    const left = this.waiting.splice(0);
    for (const wake of left) wake();
    return left.length;
  }

  get inFlight(): number {
    return this.running + this.waiting.length;
  }

  /** Resolves when no job is queued or running (tests, graceful shutdown). */
  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private async execute(job: JobRecord, ask: AskJob): Promise<void> {
    if (this.running >= this.opts.concurrency || this.closed) await new Promise<void>((r) => (this.closed ? r() : this.waiting.push(r)));
    if (this.closed) {
      job.status = "error";
      job.error = "not started: shutting down";
      this.forgetLater(`${ask.ticketId}:${ask.messageId}`, job);
      return;
    }
    this.running++;
    job.status = "running";
    try {
      job.outcome = await this.opts.run(ask);
      job.status = "done";
      this.opts.log.info({ job: job.id, ticketId: ask.ticketId, messageId: ask.messageId, state: job.outcome.state }, "job done");
    } catch (err) {
      job.status = "error";
      job.error = (err as Error).message;
      // Every failure after the read becomes an outcome in Odoo; what is left is Odoo not taking one
      // (unreachable, or refusing even the holding outcome). The addon's re-send cron asks again after
      // its timeout and escalates with an activity after 3 re-asks.
      this.opts.log.error(
        { job: job.id, ticketId: ask.ticketId, messageId: ask.messageId, err },
        "job failed before Odoo recorded an outcome: the ticket keeps its pending/answering state; the addon's re-send cron asks again, then escalates to a person",
      );
    } finally {
      this.running--;
      this.waiting.shift()?.();
      this.forgetLater(`${ask.ticketId}:${ask.messageId}`, job);
      if (this.inFlight === 0) {
        for (const resolve of this.idle) resolve();
        this.idle.clear();
      }
    }
  }

  private forgetLater(key: string, job: JobRecord): void {
    setTimeout(() => {
      if (this.jobs.get(key) === job && job.status !== "queued" && job.status !== "running") this.jobs.delete(key);
    }, this.opts.keepFinishedMs ?? 15 * 60_000).unref();
  }
}
