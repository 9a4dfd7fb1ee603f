import type { LineDb } from "./db.js";

const KEEP_MS = 24 * 3_600_000;

/**
 * The reply token of each client message, kept durably with the Odoo message it became, so the answer
 * to that message can use the free reply API while the token is fresh. A token is claimed once.
 */
export class ReplyTokens {
  private readonly rememberStmt;
  private readonly bindStmt;
  private readonly claimStmt;
  private readonly pruneStmt;

  constructor(db: LineDb) {
    this.rememberStmt = db.prepare(
      `INSERT INTO reply_tokens (webhook_event_id, line_user_id, reply_token, issued_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (webhook_event_id) DO NOTHING`,
    );
    this.bindStmt = db.prepare(`UPDATE reply_tokens SET message_id = ? WHERE webhook_event_id = ?`);
    // The token of that message; else one of the same user still being posted: Odoo calls /ask from
    // inside message_post, so the answer can be ready a moment before the message id is written here.
    this.claimStmt = db.prepare(
      `UPDATE reply_tokens SET used_at = ? WHERE webhook_event_id = (
         SELECT webhook_event_id FROM reply_tokens
         WHERE used_at IS NULL AND issued_at > ? AND (message_id = ? OR (message_id IS NULL AND line_user_id = ?))
         ORDER BY message_id IS NULL, issued_at DESC LIMIT 1)
       RETURNING reply_token`,
    );
    this.pruneStmt = db.prepare(`DELETE FROM reply_tokens WHERE issued_at < ?`);
  }

  /** Before the message is posted; `issuedAt` is the event's timestamp (LINE's clock starts there). */
  remember(webhookEventId: string, lineUserId: string, replyToken: string, issuedAt: number): void {
    this.rememberStmt.run(webhookEventId, lineUserId, replyToken, issuedAt);
  }

  bind(webhookEventId: string, messageId: number): void {
    this.bindStmt.run(messageId, webhookEventId);
  }

  /** The token for this message if it was issued after `freshAfter` and not used yet; marks it used. */
  claim(messageId: number, lineUserId: string, freshAfter: number, now = Date.now()): string | undefined {
    const row = this.claimStmt.get(now, freshAfter, messageId, lineUserId) as { reply_token: string } | undefined;
    return row?.reply_token;
  }

  prune(now = Date.now()): void {
    this.pruneStmt.run(now - KEEP_MS);
  }
}
