import type { Logger } from "../../logger.js";
import { chatKey } from "./events.js";
import type { Outbox, OutboxEntry } from "./outbox.js";

export interface WorkerOptions {
  outbox: Outbox;
  handle: (entry: OutboxEntry) => Promise<void>;
  /** Odoo unreachable and the like: retried until it works. Anything else is retried `maxAttempts` times. */
  isTransient: (err: unknown) => boolean;
  concurrency: number;
  log: Logger;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  pollMs?: number;
  /** Told the number of pending events at every poll (a metrics gauge). */
  onPoll?: (pending: number) => void;
  /** Run about once an hour: forget what is too old to matter. */
  prune?: () => void;
}

const HOUR = 3_600_000;

/**
 * Drains the outbox: up to `concurrency` events at once, one at a time per chat so a client's messages
 * reach the ticket in the order they were written, with exponential backoff when Odoo cannot take them.
 */
export class OutboxWorker {
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private running = false;
  private lastPrune = 0;

  constructor(private readonly opts: WorkerOptions) {}

  start(): void {
    this.running = true;
    this.timer = setInterval(() => this.poll(), this.opts.pollMs ?? 250);
    this.timer.unref();
    this.kick();
  }

  /** Something was accepted or finished: look for work on the next turn of the event loop. */
  kick(): void {
    if (!this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Stops taking events and waits for those in flight; what is left stays pending for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private poll(): void {
    this.opts.onPoll?.(this.opts.outbox.pending());
    if (Date.now() - this.lastPrune > HOUR) {
      this.lastPrune = Date.now();
      this.opts.prune?.();
    }
    this.pump();
  }

  private pump(): void {
    if (!this.running) return;
    const free = this.opts.concurrency - this.busy.size;
    if (free <= 0) return;
    for (const entry of this.opts.outbox.due(free, this.busy)) this.run(entry);
  }

  private run(entry: OutboxEntry): void {
    const key = chatKey(entry.event);
    this.busy.add(key);
    const work = this.opts
      .handle(entry)
      .then(
        () => this.opts.outbox.done(entry),
        (err: unknown) => this.failed(entry, err),
      )
      .finally(() => {
        this.busy.delete(key);
        this.inFlight.delete(work);
        this.kick();
      });
    this.inFlight.add(work);
  }

  private failed(entry: OutboxEntry, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const attempts = entry.attempts + 1;
    const { webhookEventId } = entry.event;
    if (!this.opts.isTransient(err) && attempts >= (this.opts.maxAttempts ?? 8)) {
      this.opts.outbox.giveUp(entry, message);
      this.opts.log.error({ webhookEventId, attempts, err: message }, "LINE event given up after repeated errors; it stays in the outbox as dead");
      return;
    }
    const base = this.opts.baseDelayMs ?? 1_000;
    // Jitter spreads the retries of many events so a recovering Odoo is not hit by all of them at once.
    const delay = Math.min(this.opts.maxDelayMs ?? 60_000, base * 2 ** Math.min(attempts - 1, 16)) * (0.75 + Math.random() * 0.5);
    this.opts.outbox.retryLater(entry, Math.round(delay), message);
    this.opts.log.warn({ webhookEventId, attempts, delayMs: Math.round(delay), err: message }, "LINE event not handed to Odoo yet; retrying");
  }
}
