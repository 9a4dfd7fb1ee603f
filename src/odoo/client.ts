import { JSONRPCClient, JSONRPCErrorException } from "json-rpc-2.0";
import { OdooError, OdooLoginError, OdooUnavailableError } from "./errors.js";
import type { Logger } from "../logger.js";

export interface OdooSettings {
  url: string;
  db: string;
  login: string;
  apiKey: string;
  timeoutMs: number;
  /** How many times a call is tried again when Odoo cannot be reached. */
  retries?: number;
  retryDelayMs?: number;
}

type Kwargs = Record<string, unknown>;

/** Per-call state for the transport: json-rpc-2.0 flattens a send failure into a generic error, so it is kept here. */
interface CallParams {
  signal: AbortSignal;
  failure?: OdooUnavailableError;
}

// Only these can be repeated after a timeout without risk of doing the work twice.
const READ_METHODS = new Set(["read", "search", "search_read", "search_count", "web_read", "web_search_read", "fields_get", "name_search"]);

const CONNECT_ERRORS = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"]);

function transportError(err: unknown, url: string, timeoutMs: number): OdooUnavailableError {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") {
    return new OdooUnavailableError(`Odoo at ${url} did not answer within ${timeoutMs} ms`, true);
  }
  const code = e.cause?.code ?? "";
  return new OdooUnavailableError(`Odoo at ${url} could not be reached (${code || String(err)})`, !CONNECT_ERRORS.has(code));
}

/** Odoo's external API over `/jsonrpc` (`common.authenticate`, `object.execute_kw`). */
export class OdooClient {
  private readonly rpc: JSONRPCClient<CallParams>;
  private uid: number | undefined;
  private login$: Promise<number> | undefined;
  /** Round trips made (login included), for the benchmarks and the tests. */
  calls = 0;

  constructor(
    readonly settings: OdooSettings,
    private readonly log?: Logger,
  ) {
    const endpoint = new URL("/jsonrpc", settings.url).toString();
    this.rpc = new JSONRPCClient(async (payload, params) => {
      try {
        const res = await fetch(endpoint, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(payload),
          signal: params.signal,
        });
        if (!res.ok) throw new OdooUnavailableError(`Odoo at ${settings.url} answered HTTP ${res.status}`, true);
        this.rpc.receive(await res.json());
      } catch (err) {
        params.failure = err instanceof OdooUnavailableError ? err : transportError(err, settings.url, settings.timeoutMs);
        throw params.failure;
      }
    });
  }

  get db(): string {
    return this.settings.db;
  }

  private async call(service: string, method: string, args: unknown[]): Promise<unknown> {
    this.calls++;
    const params: CallParams = { signal: AbortSignal.timeout(this.settings.timeoutMs) };
    try {
      return await this.rpc.request("call", { service, method, args }, params);
    } catch (err) {
      if (params.failure) throw params.failure;
      if (err instanceof JSONRPCErrorException) {
        const data = (err.data ?? {}) as { name?: string; message?: string; debug?: string };
        throw new OdooError(data.name ?? "odoo.exceptions.UserError", data.message ?? err.message, data.debug);
      }
      if (err instanceof Error && err.name === "TimeoutError") throw transportError(err, this.settings.url, this.settings.timeoutMs);
      throw err;
    }
  }

  /** Logs in once; concurrent callers share the same attempt. */
  authenticate(): Promise<number> {
    this.login$ ??= (async () => {
      const { db, login, apiKey } = this.settings;
      const uid = await this.call("common", "authenticate", [db, login, apiKey, {}]);
      if (typeof uid !== "number") {
        throw new OdooLoginError(`Odoo refused the login of "${login}" on database "${db}": check ODOO_LOGIN and ODOO_API_KEY`);
      }
      this.uid = uid;
      return uid;
    })().catch((err) => {
      this.login$ = undefined;
      throw err;
    });
    return this.login$;
  }

  async version(): Promise<{ server_version: string }> {
    return (await this.call("common", "version", [])) as { server_version: string };
  }

  /**
   * `execute_kw` as the integration user. A refused session (the key was rotated, the database
   * restored) logs in again once; an unreachable Odoo is tried again where that cannot double a write.
   */
  async executeKw<T = unknown>(model: string, method: string, args: unknown[], kwargs: Kwargs = {}): Promise<T> {
    const retries = this.settings.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.executeOnce<T>(model, method, args, kwargs);
      } catch (err) {
        const retryable = err instanceof OdooUnavailableError && (READ_METHODS.has(method) || !err.sent);
        if (!retryable || attempt >= retries) throw err;
        const delay = (this.settings.retryDelayMs ?? 500) * 2 ** attempt;
        this.log?.warn({ model, method, attempt: attempt + 1, delayMs: delay, err }, "Odoo unavailable, retrying");
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async executeOnce<T>(model: string, method: string, args: unknown[], kwargs: Kwargs): Promise<T> {
    const uid = this.uid ?? (await this.authenticate());
    const run = (u: number) => this.call("object", "execute_kw", [this.settings.db, u, this.settings.apiKey, model, method, args, kwargs]);
    try {
      return (await run(uid)) as T;
    } catch (err) {
      if (!(err instanceof OdooError && err.isAccessDenied)) throw err;
      this.uid = undefined;
      this.login$ = undefined;
      return (await run(await this.authenticate())) as T;
    }
  }
}

/** Odoo answers `message_post`/`activity_schedule` over RPC with the recordset's text, e.g. `"mail.message(17,)"`. */
export function idFromRecordsetText(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  const m = typeof value === "string" ? /\((\d+),?\)/.exec(value) : null;
  return m ? Number(m[1]) : undefined;
}
