import type { LineDb } from "./db.js";

/** LINE honours a retry key for 24 hours; the log keeps a little longer. */
const KEEP_MS = 48 * 3_600_000;

/** The message batches LINE accepted, by retry key, with how they went out. */
export class SentBatches {
  private readonly findStmt;
  private readonly recordStmt;
  private readonly pruneStmt;

  constructor(db: LineDb) {
    this.findStmt = db.prepare(`SELECT method FROM sent_batches WHERE retry_key = ?`);
    this.recordStmt = db.prepare(`INSERT INTO sent_batches (retry_key, method, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`);
    this.pruneStmt = db.prepare(`DELETE FROM sent_batches WHERE sent_at < ?`);
  }

  method(retryKey: string): "reply" | "push" | undefined {
    return (this.findStmt.get(retryKey) as { method: "reply" | "push" } | undefined)?.method;
  }

  record(retryKey: string, method: "reply" | "push"): void {
    this.recordStmt.run(retryKey, method, Date.now());
  }

  prune(now = Date.now()): void {
    this.pruneStmt.run(now - KEEP_MS);
  }
}
