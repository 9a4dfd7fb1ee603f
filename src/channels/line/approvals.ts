import type { LineDb } from "./db.js";

/**
 * Approved drafts delivered through `/line/deliver`: a repeated call (the addon retrying, a double
 * click) waits for the first or finds it done, so the draft is pushed and recorded once.
 */
export class ApprovedDeliveries {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly findStmt;
  private readonly recordStmt;

  constructor(db: LineDb) {
    this.findStmt = db.prepare(`SELECT 1 FROM approved_deliveries WHERE delivery_key = ?`);
    this.recordStmt = db.prepare(`INSERT INTO approved_deliveries (delivery_key, ticket_id, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`);
  }

  /** Runs `deliver` unless this key was delivered already; it is recorded only once `deliver` succeeded. */
  once(key: string, ticketId: number, deliver: () => Promise<void>): Promise<void> {
    if (this.findStmt.get(key)) return Promise.resolve();
    let running = this.inFlight.get(key);
    if (!running) {
      running = deliver()
        .then(() => void this.recordStmt.run(key, ticketId, Date.now()))
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, running);
    }
    return running;
  }
}
