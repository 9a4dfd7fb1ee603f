import type { LineDb } from "./db.js";
import { chatKey, lineEventSchema, type LineEvent } from "./events.js";

export interface OutboxEntry {
  seq: number;
  event: LineEvent;
  attempts: number;
  receivedAt: number;
}

interface EventRow {
  seq: number;
  event_json: string;
  attempts: number;
  received_at: number;
}

/** How long a finished event (handled, or given up) is kept by default: `LINE_OUTBOX_KEEP_DAYS`. */
export const DEFAULT_KEEP_DAYS = 7;
const DAY_MS = 24 * 3_600_000;

/**
 * Accepted webhook events, durable before LINE gets its 200. `webhookEventId` is the key: a redelivery
 * or replay of an event already here (pending or handled) is recognised and dropped, across restarts.
 *
 * SQLite is the record; which event is due next is kept in memory too (each chat's pending events in
 * order, rebuilt from the file at start), so picking work costs no query however long the backlog grows.
 */
export class Outbox {
  private readonly queues = new Map<string, number[]>();
  private readonly notBefore = new Map<number, number>();
  private count = 0;
  private readonly insert;
  private readonly loadStmt;
  private readonly doneStmt;
  private readonly retryStmt;
  private readonly deadStmt;
  private readonly pruneStmt;
  private readonly acceptAll;

  constructor(
    db: LineDb,
    private readonly now: () => number = Date.now,
    private readonly keepDays: number = DEFAULT_KEEP_DAYS,
  ) {
    this.insert = db.prepare(
      `INSERT INTO events (webhook_event_id, chat_key, event_json, received_at, next_attempt_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (webhook_event_id) DO NOTHING`,
    );
    this.loadStmt = db.prepare(`SELECT seq, event_json, attempts, received_at FROM events WHERE seq = ?`);
    this.doneStmt = db.prepare(`UPDATE events SET status = 'done', done_at = ?, last_error = NULL WHERE seq = ?`);
    this.retryStmt = db.prepare(`UPDATE events SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE seq = ?`);
    this.deadStmt = db.prepare(`UPDATE events SET status = 'dead', attempts = attempts + 1, last_error = ?, done_at = ? WHERE seq = ?`);
    // Dead events of older versions have no done_at: their arrival counts instead.
    this.pruneStmt = db.prepare(`DELETE FROM events WHERE status IN ('done', 'dead') AND COALESCE(done_at, received_at) < ?`);
    this.acceptAll = db.transaction((events: LineEvent[]) => {
      const at = this.now();
      return events.map((e) => {
        const { changes, lastInsertRowid } = this.insert.run(e.webhookEventId, chatKey(e), JSON.stringify(e), at, at);
        return changes === 1 ? { chat: chatKey(e), seq: Number(lastInsertRowid) } : null;
      });
    });
    const pending = db.prepare(`SELECT seq, chat_key, next_attempt_at FROM events WHERE status = 'pending' ORDER BY seq`).all() as {
      seq: number;
      chat_key: string;
      next_attempt_at: number;
    }[];
    for (const row of pending) {
      this.enqueue(row.chat_key, row.seq);
      this.notBefore.set(row.seq, row.next_attempt_at);
    }
  }

  private enqueue(chat: string, seq: number): void {
    const queue = this.queues.get(chat);
    if (queue) queue.push(seq);
    else this.queues.set(chat, [seq]);
    this.count++;
  }

  private dequeue(event: LineEvent, seq: number): void {
    const chat = chatKey(event);
    const queue = this.queues.get(chat);
    if (queue?.[0] !== seq) return;
    queue.shift();
    if (queue.length === 0) this.queues.delete(chat);
    this.notBefore.delete(seq);
    this.count--;
  }

  /** Stores new events in one transaction; says for each whether it was new (else seen before). */
  accept(events: LineEvent[]): boolean[] {
    if (events.length === 0) return [];
    // Queued in memory only once the transaction has committed.
    return this.acceptAll(events).map((added) => {
      if (added) this.enqueue(added.chat, added.seq);
      return added !== null;
    });
  }

  /** The oldest pending event of each chat not in `busy`, if it is due; a chat's later events wait for it. */
  due(limit: number, busy: ReadonlySet<string>): OutboxEntry[] {
    const now = this.now();
    const entries: OutboxEntry[] = [];
    for (const [chat, queue] of this.queues) {
      if (entries.length >= limit) break;
      const seq = queue[0]!;
      if (busy.has(chat) || (this.notBefore.get(seq) ?? 0) > now) continue;
      const row = this.loadStmt.get(seq) as EventRow;
      entries.push({ seq, event: lineEventSchema.parse(JSON.parse(row.event_json)), attempts: row.attempts, receivedAt: row.received_at });
    }
    return entries;
  }

  done(entry: OutboxEntry): void {
    this.doneStmt.run(this.now(), entry.seq);
    this.dequeue(entry.event, entry.seq);
  }

  retryLater(entry: OutboxEntry, delayMs: number, error: string): void {
    this.retryStmt.run(this.now() + delayMs, error, entry.seq);
    this.notBefore.set(entry.seq, this.now() + delayMs);
  }

  /** Kept in the table (status `dead`) for a person to look at; later events of the chat go on. */
  giveUp(entry: OutboxEntry, error: string): void {
    this.deadStmt.run(error, this.now(), entry.seq);
    this.dequeue(entry.event, entry.seq);
  }

  pending(): number {
    return this.count;
  }

  /**
   * Forgets events finished (handled or given up) over `keepDays` ago, client texts included; until
   * then a handled id still recognises LINE's redeliveries and a dead event waits for a person.
   * Answers how many went.
   */
  prune(): number {
    return this.pruneStmt.run(this.now() - this.keepDays * DAY_MS).changes;
  }
}
