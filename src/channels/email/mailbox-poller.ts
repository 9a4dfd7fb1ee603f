import type { ImapFlow } from "imapflow";
import type { Logger } from "../../logger.js";
import { handOver, type MessageProcess } from "./hand-over.js";

/** DESIGN "IMAP mailbox": where a message Odoo refused goes, never deleted. */
export const ERROR_FOLDER = "LexReply-Errors";

export interface PollerDeps {
  /** A new, unconnected client each time: a dropped connection is replaced, not reused. */
  openClient: () => ImapFlow;
  messageProcess: MessageProcess;
  mailbox: string;
  pollMs: number;
  log: Logger;
  /** Where the mailbox is, for log lines (no password). */
  describe: string;
  /** Reconnect delays: doubling from the first to the cap. */
  reconnectMs?: { first: number; max: number };
}

interface ScanReport {
  unseen: number;
  handedToOdoo: number;
  refused: number;
  leftUnseen: number;
}

/** imapflow's own message is often just "Command failed"; the server's words say what is wrong. */
function imapProblem(err: unknown): string {
  const e = err as { message?: string; responseText?: string; authenticationFailed?: boolean; tlsFailed?: boolean };
  if (e.tlsFailed) return `${e.message}: no login was sent without TLS (use imaps://, make the server offer STARTTLS, or for a server on this machine set MAIL_ALLOW_PLAINTEXT_LOCALHOST=true)`;
  if (e.authenticationFailed) return `the server refused the login (${e.responseText ?? "check the user and password in IMAP_URL"})`;
  return e.responseText ? `${e.message}: ${e.responseText}` : String(e.message ?? err);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Lossy = new TextDecoder("utf-8");

/**
 * Odoo's `message_process` takes the message as a `str` over JSON-RPC and encodes it back to
 * UTF-8 bytes, so 7-bit and UTF-8 mail arrives byte for byte. Raw 8-bit text in another charset
 * cannot cross JSON intact: it is passed on lossily (replacement characters), and said so.
 */
function sourceText(source: Buffer): { raw: string; lossless: boolean } {
  try {
    return { raw: utf8.decode(source), lossless: true };
  } catch {
    return { raw: utf8Lossy.decode(source), lossless: false };
  }
}

/**
 * Polls one IMAP mailbox and hands each unseen message to Odoo's mail gateway: IDLE where the
 * server offers it, plus a full re-scan every `pollMs` for whatever IDLE missed. Only Odoo's
 * answer decides a message's fate, so a restart at any point loses nothing, and a message handed
 * over twice is de-duplicated by Odoo on its Message-ID.
 */
export class MailboxPoller {
  private client: ImapFlow | undefined;
  private stopped = true;
  private running: Promise<void> | undefined;
  private scanning: Promise<void> | undefined;
  private scanAgain = false;
  /** The message the last scan stopped at because Odoo could not take it. */
  private stuckUid: number | undefined;
  private errorFolderReady = false;
  private wake: (() => void) | undefined;

  constructor(private readonly deps: PollerDeps) {}

  /** Returns at once: connecting (and reconnecting) goes on in the background, so an IMAP outage never holds up the sidecar. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.connectLoop();
  }

  /** Lets a scan in progress finish the message in hand, then logs out. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    await this.scanning;
    const client = this.client;
    if (client?.usable) await client.logout().catch(() => client.close());
    else client?.close();
    await this.running;
  }

  /** A scan now; one asked for while another runs is done once more right after it. */
  scan(): Promise<void> {
    if (this.scanning) {
      this.scanAgain = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.scanAgain = false;
        await this.scanOnce();
      } while (this.scanAgain && !this.stopped);
    })().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async connectLoop(): Promise<void> {
    const { first, max } = this.deps.reconnectMs ?? { first: 1_000, max: 60_000 };
    let delay = first;
    while (!this.stopped) {
      const client = this.deps.openClient();
      this.client = client;
      // imapflow reports socket faults as 'error' events; unheard, they would end the process.
      client.on("error", (err: Error) => this.deps.log.warn({ imap: this.deps.describe, err }, "IMAP connection error"));
      const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
      try {
        await client.connect();
        await client.mailboxOpen(this.deps.mailbox);
      } catch (err) {
        client.close();
        if (this.stopped) break;
        this.deps.log.warn({ imap: this.deps.describe, err: imapProblem(err), retryInMs: delay }, "IMAP mailbox could not be opened; retrying");
        await this.sleep(delay);
        delay = Math.min(delay * 2, max);
        continue;
      }
      const openedAt = Date.now();
      this.errorFolderReady = false;
      // New mail while IDLE (or the NOOP polling imapflow falls back to) arrives as 'exists'.
      client.on("exists", () => void this.scan());
      const idle = client.capabilities.has("IDLE");
      this.deps.log.info({ imap: this.deps.describe, idle, pollMs: this.deps.pollMs }, `IMAP mailbox open: ${idle ? "IDLE" : "no IDLE, polling"} plus a full scan every ${this.deps.pollMs} ms`);
      const timer = setInterval(() => void this.scan(), this.deps.pollMs);
      void this.scan();
      await closed;
      clearInterval(timer);
      // A server that lets us in and drops us at once is backed off like one that refuses us.
      delay = Date.now() - openedAt > max ? first : Math.min(delay * 2, max);
      if (!this.stopped) {
        this.deps.log.warn({ imap: this.deps.describe, retryInMs: delay }, "IMAP connection closed; reconnecting");
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async scanOnce(): Promise<void> {
    const client = this.client;
    if (!client?.usable || this.stopped) return;
    const report: ScanReport = { unseen: 0, handedToOdoo: 0, refused: 0, leftUnseen: 0 };
    try {
      const lock = await client.getMailboxLock(this.deps.mailbox);
      try {
        const uids = this.after(this.stuckUid, (await client.search({ seen: false }, { uid: true })) || []);
        report.unseen = uids.length;
        this.stuckUid = undefined;
        for (const [i, uid] of uids.entries()) {
          if (this.stopped) {
            report.leftUnseen += uids.length - i;
            break;
          }
          const outcome = await this.processOne(client, uid);
          if (outcome === "later") {
            // Odoo is down (or the bot lacks a right): every other message would meet the same failure, so they wait for the next scan.
            report.leftUnseen += uids.length - i;
            this.stuckUid = uid;
            break;
          }
          if (outcome !== "gone") report[outcome]++;
        }
      } finally {
        lock.release();
      }
    } catch (err) {
      this.deps.log.warn({ imap: this.deps.describe, err: imapProblem(err) }, "IMAP scan interrupted; unprocessed messages stay unseen for the next scan");
    }
    const level = report.unseen > 0 ? "info" : "debug";
    this.deps.log[level]({ imap: this.deps.describe, ...report }, "IMAP mailbox scanned");
  }

  /**
   * The next scan starts after the message that could not be handed over, then wraps around: one
   * that always fails that way (too big for Odoo's request limit, say) cannot hold up the rest.
   */
  private after(stuck: number | undefined, uids: number[]): number[] {
    if (stuck === undefined) return uids;
    return [...uids.filter((u) => u > stuck), ...uids.filter((u) => u <= stuck)];
  }

  private async processOne(client: ImapFlow, uid: number): Promise<"handedToOdoo" | "refused" | "later" | "gone"> {
    // `source` is fetched with BODY.PEEK, so reading does not mark the message seen.
    const message = await client.fetchOne(String(uid), { source: true, envelope: true }, { uid: true });
    if (!message || !message.source) return "gone"; // expunged by another mail client meanwhile
    const about = { imap: this.deps.describe, uid, messageId: message.envelope?.messageId };
    const { raw, lossless } = sourceText(message.source);
    if (!lossless) this.deps.log.warn(about, "message has raw 8-bit text that is not UTF-8; handed to Odoo with those bytes replaced");
    const outcome = await handOver(this.deps.messageProcess, raw);
    switch (outcome.kind) {
      case "accepted":
        await client.messageFlagsAdd(String(uid), ["\\Seen"], { uid: true });
        this.deps.log.debug({ ...about, ticketId: outcome.ticketId }, "message handed to Odoo and flagged seen");
        return "handedToOdoo";
      case "later":
        this.deps.log.warn({ ...about, reason: outcome.reason }, "Odoo could not take the message; it stays unseen and is tried again at the next scan");
        return "later";
      case "refused":
        await this.ensureErrorFolder(client);
        await client.messageMove(String(uid), ERROR_FOLDER, { uid: true });
        this.deps.log.error({ ...about, reason: outcome.reason, folder: ERROR_FOLDER }, `Odoo refused the message; moved to ${ERROR_FOLDER}`);
        return "refused";
    }
  }

  private async ensureErrorFolder(client: ImapFlow): Promise<void> {
    if (this.errorFolderReady) return;
    // imapflow answers an existing folder with `created: false` rather than an error.
    const { created } = await client.mailboxCreate(ERROR_FOLDER);
    if (created) this.deps.log.info({ imap: this.deps.describe, folder: ERROR_FOLDER }, "IMAP error folder created");
    this.errorFolderReady = true;
  }
}
