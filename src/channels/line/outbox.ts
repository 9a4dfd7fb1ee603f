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

/** How long handled event ids are remembered for recognising redeliveries and replays. */
const KEEP_DONE_MS = 7 * 24 * 3_600_000;

/**
 * Accepted webhook events, durable before LINE gets its 200. `webhookEventId` is the key: a redelivery
 * or replay of an event already here (pending or handled) is recognised and dropped, across restarts.
 */
export class Outbox {
  private readonly insert;
  private readonly dueStmt;
  private readonly doneStmt;
  private readonly retryStmt;
  private readonly deadStmt;
  private readonly countStmt;
  private readonly pruneStmt;
  private readonly acceptAll;

  constructor(db: LineDb, private readonly now: () => number = Date.now) {
    this.insert = db.prepare(
      `INSERT INTO events (webhook_event_id, chat_key, event_json, received_at, next_attempt_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (webhook_event_id) DO NOTHING`,
    );
    // The oldest pending event of each chat, if it is due: later ones wait for it, so order is kept.
    this.dueStmt = db.prepare(
      `SELECT seq, event_json, attempts, received_at FROM events e
       WHERE status = 'pending' AND next_attempt_at <= ?
         AND seq = (SELECT MIN(seq) FROM events p WHERE p.status = 'pending' AND p.chat_key = e.chat_key)
       ORDER BY seq LIMIT ?`,
    );
    this.doneStmt = db.prepare(`UPDATE events SET status = 'done', done_at = ?, last_error = NULL WHERE seq = ?`);
    this.retryStmt = db.prepare(`UPDATE events SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE seq = ?`);
    this.deadStmt = db.prepare(`UPDATE events SET status = 'dead', attempts = attempts + 1, last_error = ? WHERE seq = ?`);
    this.countStmt = db.prepare(`SELECT COUNT(*) AS n FROM events WHERE status = 'pending'`);
    this.pruneStmt = db.prepare(`DELETE FROM events WHERE status = 'done' AND done_at < ?`);
    this.acceptAll = db.transaction((events: LineEvent[]) => {
      const at = this.now();
      return events.map((e) => this.insert.run(e.webhookEventId, chatKey(e), JSON.stringify(e), at, at).changes === 1);
    });
  }

  /** Stores new events in one transaction; says for each whether it was new (else seen before). */
  accept(events: LineEvent[]): boolean[] {
    return events.length === 0 ? [] : this.acceptAll(events);
  }

  due(limit: number): OutboxEntry[] {
    const rows = this.dueStmt.all(this.now(), limit) as EventRow[];
    return rows.map((r) => ({ seq: r.seq, event: lineEventSchema.parse(JSON.parse(r.event_json)), attempts: r.attempts, receivedAt: r.received_at }));
  }

  done(seq: number): void {
    this.doneStmt.run(this.now(), seq);
  }

  retryLater(seq: number, delayMs: number, error: string): void {
    this.retryStmt.run(this.now() + delayMs, error, seq);
  }

  /** Kept in the table (status `dead`) for a person to look at; later events of the chat go on. */
  giveUp(seq: number, error: string): void {
    this.deadStmt.run(error, seq);
  }

  pending(): number {
    return (this.countStmt.get() as { n: number }).n;
  }

  prune(): void {
    this.pruneStmt.run(this.now() - KEEP_DONE_MS);
  }
}
