import type { Server } from "node:http";
import type { Logger } from "./logger.js";

const CLOSE_GRACE_MS = 5_000;

export interface ShutdownParts {
  /** The HTTP server; absent when nothing listens (CLI, benches). */
  server?: Server;
  /** Answers: the running ones finish, the queued ones are left to the addon's re-ask. */
  jobs: { close(): number; drain(): Promise<void>; readonly inFlight: number };
  /** The channels, in the order they were started; stopped in reverse, so what started last stops first. */
  channels: { stop?: () => void | Promise<void> }[];
  /** Stores and servers behind everything else (the sandbox's Odoo), closed last. */
  stores?: (() => void | Promise<void>)[];
  log: Logger;
}

/**
 * The one way LexReply stops (main.ts on SIGTERM/SIGINT, the tests, the benches): stop accepting,
 * let the answers in flight finish (they still need Odoo, the model and the LINE channel) while
 * those not started stay pending in Odoo, then stop the channels, then close the stores. Never the other way round: a channel closed first
 * would turn an answer that was about to be sent into one that is lost.
 */
export async function shutdown(parts: ShutdownParts): Promise<void> {
  const { server, jobs, channels, stores = [], log } = parts;
  const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
  // Idle keep-alive connections would hold close() open; a request already being served finishes first.
  server?.closeIdleConnections();
  const left = jobs.close();
  if (left > 0) log.info({ questions: left }, "questions not started yet are left pending for the addon's re-ask");
  if (jobs.inFlight > 0) log.info({ answers: jobs.inFlight }, "waiting for the answers in flight");
  await jobs.drain();
  for (const channel of [...channels].reverse()) await channel.stop?.();
  // A connection still open now belongs to no answer: give it a moment, then close it.
  await Promise.race([closed, new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref())]);
  server?.closeAllConnections();
  await closed;
  for (const close of stores) await close();
  log.info("stopped");
}
