/**
 * A faithful in-memory stand-in for Odoo 18 with helpdesk_mgmt and the LexReply addon, speaking
 * Odoo's JSON-RPC over real HTTP: the test suite's Odoo, and `npm start`'s sandbox Odoo.
 */
import { BOT_LOGIN, DEFAULT_BOT_PASSWORD } from "./base-data.js";
import type { GatewayFilter } from "./gateway.js";
import type { ClientMessage } from "./mail.js";
import { RpcServer, type OdooCall } from "./rpc-server.js";
import { seedSampleFirm } from "./sample-firm.js";
import { escalateUnanswered, resendDue } from "./resend-cron.js";
import { OdooStore } from "./store.js";

export { signedAskCaller } from "./ask-caller.js";
export { ADMIN_PASSWORD, ADMIN_UID, BOT_LOGIN, DEFAULT_BOT_PASSWORD, XMLID } from "./base-data.js";
export type { Domain } from "./domain.js";
export type { GatewayFilter, GatewayVerdict, IncomingMail } from "./gateway.js";
export { seedSampleFirm, type SampleCase, type SampleClient, type SampleFirm } from "./sample-firm.js";
export { odooNow, OdooStore, type Row, type Vals } from "./store.js";
export type { OdooCall };

/** What the addon's automation hands the post-commit hook. */
export interface ClientMessageEvent extends ClientMessage {
  db: string;
  store: OdooStore;
  /** The re-send cron's re-ask number (the automation's first ask is 0). */
  attempt?: number;
}

export interface OdooStandin {
  /** Origin, e.g. "http://127.0.0.1:41234"; the sidecar appends /jsonrpc. */
  url: string;
  db: string;
  /** Every request, in order (authenticate included). */
  calls: OdooCall[];
  /** Direct in-memory access for tests, without RPC, security or logging. */
  store: OdooStore;
  botLogin: string;
  botPassword: string;
  setLatency(ms: number): void;
  /** While down, connections are closed unanswered, like a stopped Odoo. */
  setDown(down: boolean): void;
  /**
   * Mirrors the addon's on_message_received automation: called (and awaited, as Odoo's post-commit
   * hook runs before the RPC answers) for a share partner's or anonymous email/comment on a ticket.
   */
  onClientMessage(cb: ((e: ClientMessageEvent) => void | Promise<void>) | null): void;
  /** Makes message_process refuse a message (`{refuse}` → ValueError) or drop it as a loop (`"loop"` → null). */
  setGatewayFilter(filter: GatewayFilter | null): void;
  /** Sees every call before it runs; returning true drops it unanswered and undone (a fault at that step). */
  beforeCall(hook: ((call: OdooCall) => boolean | void) | null): void;
  /**
   * The addon's re-send cron: a ticket `pending`/`answering` for longer than `staleMs` is asked again
   * (through the same hook as the automation), and after `maxAttempts` escalated with an activity.
   */
  runResendCron(opts?: { staleMs?: number; maxAttempts?: number }): Promise<{ asked: number[]; escalated: number[] }>;
  close(): Promise<void>;
}

export interface StandinOptions {
  port?: number;
  host?: string;
  db?: string;
  latencyMs?: number;
  botPassword?: string;
  /** Default: seedSampleFirm. */
  seed?: (store: OdooStore) => void;
}

export async function startOdooStandin(opts: StandinOptions = {}): Promise<OdooStandin> {
  const store = new OdooStore();
  const botPassword = opts.botPassword ?? DEFAULT_BOT_PASSWORD;
  store.setPassword(store.userByLogin(BOT_LOGIN)!, botPassword);
  (opts.seed ?? seedSampleFirm)(store);
  const db = opts.db ?? "lexreply";
  const server = { store, db, gatewayFilter: null as GatewayFilter | null };
  let listener: ((e: ClientMessageEvent) => void | Promise<void>) | null = null;
  const rpc = new RpcServer(server, {
    port: opts.port ?? 0,
    host: opts.host ?? "127.0.0.1",
    latencyMs: opts.latencyMs ?? 0,
    postCommit: async (messages) => {
      for (const m of messages) {
        try {
          await listener?.({ ...m, db, store });
        } catch {
          // a post-commit hook's failure never reaches the caller
        }
      }
    },
  });
  const url = await rpc.listen();
  return {
    url,
    db,
    calls: rpc.calls,
    store,
    botLogin: BOT_LOGIN,
    botPassword,
    setLatency: (ms) => void (rpc.latencyMs = ms),
    setDown: (down) => rpc.setDown(down),
    onClientMessage: (cb) => void (listener = cb),
    setGatewayFilter: (filter) => void (server.gatewayFilter = filter),
    beforeCall: (hook) => void (rpc.beforeCall = hook),
    runResendCron: async (cron = {}) => {
      const due = resendDue(store, cron.staleMs ?? 60_000);
      const asked: number[] = [];
      const escalated: number[] = [];
      for (const t of due) {
        const attempts = Number(t.lexreply_attempts || 0);
        if (attempts >= (cron.maxAttempts ?? 3)) {
          escalateUnanswered(store, t.id, attempts);
          escalated.push(t.id);
          continue;
        }
        asked.push(t.id);
        await listener?.({ ticketId: t.id, messageId: t.lexreply_last_message_id as number, db, store, attempt: attempts + 1 });
      }
      return { asked, escalated };
    },
    close: () => rpc.close(),
  };
}
