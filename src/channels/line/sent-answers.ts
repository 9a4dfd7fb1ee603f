import type { ApplyOutcome } from "../../odoo/apply.js";
import type { LineDb } from "./db.js";

/** Odoo's re-send cron gives up well within this; after it, a repeat is a new question. */
const KEEP_MS = 48 * 3_600_000;

export interface AnswerKey {
  db: string;
  ticketId: number;
  messageId: number;
}

/**
 * The ledger of answers sent on LINE, by Odoo database, ticket and message, with the outcome Odoo is
 * to record: written as soon as LINE accepted the text, so a run killed before `lexreply_apply`
 * leaves its successor the outcome to record instead of a second send.
 */
export class SentAnswers {
  private readonly findStmt;
  private readonly recordStmt;
  private readonly pruneStmt;

  constructor(db: LineDb) {
    this.findStmt = db.prepare(`SELECT outcome_json FROM sent_answers WHERE odoo_db = ? AND ticket_id = ? AND message_id = ?`);
    this.recordStmt = db.prepare(
      `INSERT INTO sent_answers (odoo_db, ticket_id, message_id, outcome_json, sent_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.pruneStmt = db.prepare(`DELETE FROM sent_answers WHERE sent_at < ?`);
  }

  find(k: AnswerKey): ApplyOutcome | null {
    const row = this.findStmt.get(k.db, k.ticketId, k.messageId) as { outcome_json: string } | undefined;
    return row ? (JSON.parse(row.outcome_json) as ApplyOutcome) : null;
  }

  record(k: AnswerKey, outcome: ApplyOutcome): void {
    this.recordStmt.run(k.db, k.ticketId, k.messageId, JSON.stringify(outcome), Date.now());
  }

  prune(now = Date.now()): void {
    this.pruneStmt.run(now - KEEP_MS);
  }
}
