import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

export type LineDb = Database.Database;

/** The file under `DATA_DIR`; docs/line.md shows how to inspect it with `sqlite3`. */
export const LINE_DB_FILE = "line-outbox.sqlite";

export const lineDbPath = (dataDir: string) => join(dataDir, LINE_DB_FILE);

const SCHEMA = `
-- Every accepted webhook event, by LINE's webhookEventId: the outbox (pending) and the memory of
-- what was handled (done), so a redelivery is recognised across restarts.
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_event_id TEXT NOT NULL UNIQUE,
  chat_key TEXT NOT NULL,
  event_json TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  done_at INTEGER
);
CREATE INDEX IF NOT EXISTS events_pending ON events (status, seq);

-- Reply tokens of client messages posted to Odoo, kept until the answer to that message goes out.
CREATE TABLE IF NOT EXISTS reply_tokens (
  webhook_event_id TEXT PRIMARY KEY,
  line_user_id TEXT NOT NULL,
  reply_token TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  message_id INTEGER,
  used_at INTEGER
);
CREATE INDEX IF NOT EXISTS reply_tokens_by_message ON reply_tokens (message_id);

-- Linking in progress: the one-time code (hashed), its partner, and the wrong tries.
CREATE TABLE IF NOT EXISTS link_requests (
  line_user_id TEXT PRIMARY KEY,
  lang TEXT NOT NULL,
  partner_id INTEGER,
  code_hash TEXT,
  code_expires_at INTEGER,
  code_sent_at INTEGER,
  wrong_tries INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER
);

-- Every message batch delivered, by its X-Line-Retry-Key: a repeated send skips what already arrived,
-- including what went out by reply (which has no retry key at LINE).
CREATE TABLE IF NOT EXISTS sent_batches (
  retry_key TEXT PRIMARY KEY,
  method TEXT NOT NULL CHECK (method IN ('reply', 'push')),
  sent_at INTEGER NOT NULL
);

-- What was sent on LINE for each client message, with the outcome to record in Odoo: a run that dies
-- after the send and before Odoo recorded it is recognised when the question is asked again. Keyed by
-- the Odoo database too, so a sidecar pointed at a restored or another database never mistakes its ids.
CREATE TABLE IF NOT EXISTS sent_answers (
  odoo_db TEXT NOT NULL,
  ticket_id INTEGER NOT NULL,
  message_id INTEGER NOT NULL,
  outcome_json TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (odoo_db, ticket_id, message_id)
);

-- Approved drafts pushed through /line/deliver, so a repeated call delivers and records nothing twice.
CREATE TABLE IF NOT EXISTS approved_deliveries (
  delivery_key TEXT PRIMARY KEY,
  ticket_id INTEGER NOT NULL,
  sent_at INTEGER NOT NULL
);
`;

/**
 * The LINE channel's only local state, in one SQLite file. WAL with synchronous=NORMAL survives a
 * process crash (an OS crash may lose the last transactions) and keeps a webhook insert well under a millisecond.
 */
export function openLineDb(dataDir: string, opts: { autoCheckpoint?: boolean } = {}): LineDb {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(lineDbPath(dataDir));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  // The running sidecar checkpoints in a worker thread (checkpointer.ts); a one-off user keeps SQLite's own.
  if (opts.autoCheckpoint === false) db.pragma("wal_autocheckpoint = 0");
  // After a burst the log is cut back to this size once checkpointed, instead of keeping its peak size.
  db.pragma("journal_size_limit = 16777216");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
  return db;
}
