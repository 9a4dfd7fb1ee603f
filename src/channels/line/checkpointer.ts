import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

// Plain CommonJS, run in a worker thread: better-sqlite3 is synchronous, and a checkpoint flushes the
// WAL into the database file with an fsync that can take many milliseconds.
const SOURCE = `
const { workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 5000");
setInterval(() => {
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch {}
}, workerData.everyMs);
`;

/**
 * Checkpoints the outbox's write-ahead log off the main thread. SQLite's automatic checkpoint would run
 * inside a webhook's insert and hold LINE's 200 up for ~10 ms every thousand pages; `openLineDb` turns it
 * off, and this thread does the work every `everyMs` instead (PASSIVE: it never waits for the writer).
 */
export function startCheckpointer(file: string, everyMs = 1000): { stop: () => Promise<void> } {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(SOURCE, { eval: true, workerData: { file, everyMs, driver } });
  worker.unref();
  return {
    stop: async () => {
      await worker.terminate();
    },
  };
}
