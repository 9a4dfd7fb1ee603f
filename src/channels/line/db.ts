import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Logger } from "../../logger.js";

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

-- Linking in progress: the one-time code (as an HMAC whose key is not in this folder), its partner, and the wrong tries.
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

-- A client who proved a code on a new LINE account while another is linked: the link moves only
-- when the current account confirms, before expires_at. One per client.
CREATE TABLE IF NOT EXISTS link_moves (
  partner_id INTEGER PRIMARY KEY,
  new_line_user_id TEXT NOT NULL,
  new_lang TEXT NOT NULL,
  current_line_user_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS link_moves_by_current ON link_moves (current_line_user_id);
CREATE INDEX IF NOT EXISTS link_moves_by_new ON link_moves (new_line_user_id);

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

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** SQLite's companions of the database file: they hold recent pages, client texts included. */
const COMPANIONS = ["", "-wal", "-shm", "-journal"];

/** Takes group and other rights away from a path that has any, and says so once. */
function tighten(path: string, mode: number, log: Logger | undefined): void {
  const current = statSync(path).mode & 0o777;
  if ((current & 0o077) === 0) return;
  chmodSync(path, mode);
  log?.warn({ path, was: current.toString(8), now: mode.toString(8) }, "LINE data: tightened permissions so only the service user can read it");
}

/**
 * The data folder holds client texts and pending linking codes: only the service user may enter it
 * (0700) or read its files (0600), whatever the umask, and a looser folder from an older version is
 * tightened at start. A shared folder such as /tmp (sticky bit) is refused rather than locked down.
 */
export function secureDataDir(dataDir: string, log?: Logger): void {
  mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  if (statSync(dataDir).mode & 0o1000) throw new Error(`DATA_DIR ${dataDir} is a shared folder (sticky bit, like /tmp): give LexReply a folder of its own`);
  tighten(dataDir, DIR_MODE, log);
  const file = lineDbPath(dataDir);
  // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database file's mode.
  closeSync(openSync(file, "a", FILE_MODE));
  for (const suffix of COMPANIONS) if (existsSync(file + suffix)) tighten(file + suffix, FILE_MODE, log);
}

/**
 * The LINE channel's only local state, in one SQLite file. WAL with synchronous=NORMAL survives a
 * process crash (an OS crash may lose the last transactions) and keeps a webhook insert well under a millisecond.
 */
export function openLineDb(dataDir: string, opts: { autoCheckpoint?: boolean; log?: Logger } = {}): LineDb {
  secureDataDir(dataDir, opts.log);
  const db = new Database(lineDbPath(dataDir));
  db.pragma("journal_mode = WAL");
  // Pruned rows (client texts, codes) are overwritten with zeros, not left in free pages of the file.
  db.pragma("secure_delete = ON");
  db.pragma("synchronous = NORMAL");
  // The running sidecar checkpoints in a worker thread (checkpointer.ts); a one-off user keeps SQLite's own.
  if (opts.autoCheckpoint === false) db.pragma("wal_autocheckpoint = 0");
  // After a burst the log is cut back to this size once checkpointed, instead of keeping its peak size.
  db.pragma("journal_size_limit = 16777216");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
  return db;
}
