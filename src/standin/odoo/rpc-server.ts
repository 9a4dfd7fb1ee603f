import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { dispatch, type CallEffects, type Server } from "./dispatch.js";
import { OdooError } from "./errors.js";
import type { ClientMessage } from "./mail.js";

export interface OdooCall {
  service: string;
  method: string;
  model?: string;
  ormMethod?: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  uid?: number;
  /** The call named `legal.case.internal_note`, or read legal.case with no field list (which reads it). */
  readInternalNote: boolean;
  /** Every "model.field" the call asked to read (or search on), nested reads included. */
  fieldsRequested: string[];
  /** The Odoo exception name, when the call failed. */
  error?: string;
  at: number;
}

export interface RpcServerOptions {
  port: number;
  host: string;
  latencyMs: number;
  /** Odoo's `cr.postcommit` work: runs after the call succeeded, before its answer is sent. */
  postCommit: (messages: ClientMessage[]) => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** `odoo.http.serialize_exception` inside the JSON-RPC error envelope Odoo 18 answers with HTTP 200. */
function errorEnvelope(id: unknown, err: unknown) {
  const e = err instanceof OdooError ? err : new OdooError(err instanceof TypeError ? "builtins.TypeError" : "builtins.ValueError", String((err as Error)?.message ?? err));
  const pyName = e.odooName.split(".").pop();
  return {
    jsonrpc: "2.0",
    id,
    error: {
      code: 200,
      message: "Odoo Server Error",
      data: {
        name: e.odooName,
        debug: `Traceback (most recent call last):\n  File "/opt/odoo/odoo/http.py", line 2375, in __call__\n    response = request._serve_db()\n${pyName}: ${e.message}\n`,
        message: e.message,
        arguments: [e.message],
        context: {},
      },
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Odoo's HTTP face: POST /jsonrpc and GET /web/health, with injectable latency and outages. */
export class RpcServer {
  readonly calls: OdooCall[] = [];
  latencyMs: number;
  /** Returning true drops the call unanswered and undone. */
  beforeCall: ((call: OdooCall) => boolean | void) | null = null;
  private down = false;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly http = createServer((req, res) => void this.handle(req, res));

  constructor(
    private readonly server: Server,
    private readonly opts: RpcServerOptions,
  ) {
    this.latencyMs = opts.latencyMs;
    this.http.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.http.once("error", reject);
      this.http.listen(this.opts.port, this.opts.host, () => resolve());
    });
    this.port = (this.http.address() as AddressInfo).port;
    return `http://${this.opts.host.includes(":") ? `[${this.opts.host}]` : this.opts.host}:${this.port}`;
  }

  /**
   * Like a stopped Odoo: the port stops listening (ECONNREFUSED) and open connections are cut.
   * Back up, it listens on the same port again (binding an IP literal is synchronous).
   */
  setDown(down: boolean): void {
    if (down === this.down) return;
    this.down = down;
    if (down) {
      this.http.close();
      for (const s of this.sockets) s.destroy();
    } else {
      this.http.listen(this.port, this.opts.host);
    }
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.down) return Promise.resolve();
    return new Promise((resolve) => this.http.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) return void req.socket.destroy();
    const raw = await readBody(req);
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    if (this.down) return void req.socket.destroy();
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && path === "/web/health") return send(res, 200, { status: "pass" });
    if (req.method !== "POST" || path !== "/jsonrpc") return send(res, 404, { error: "Not Found" });
    // Odoo dispatches a type="json" route only for a JSON body; anything else is a 400 before any RPC.
    if (!/^application\/(json|json-rpc)\b/i.test(req.headers["content-type"] ?? ""))
      return send(res, 400, { error: "Request inferred type is compatible with ['http'] but /jsonrpc is type=json" });
    let body: { id?: unknown; params?: { service?: unknown; method?: unknown; args?: unknown } };
    try {
      body = JSON.parse(raw);
    } catch {
      return send(res, 400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Invalid JSON data" } });
    }
    const id = body?.id ?? null;
    const { service = "", method = "", args = [] } = body?.params ?? {};
    const callArgs = Array.isArray(args) ? args : [];
    const call = this.logCall(String(service), String(method), callArgs);
    // A test's fault: the caller dies (or Odoo does) before this call is carried out.
    if (this.beforeCall?.(call)) return void req.socket.destroy();
    const effects: CallEffects = { requested: new Set(), clientMessages: [] };
    try {
      const result = await dispatch(this.server, String(service), String(method), callArgs, effects);
      this.finish(call, effects);
      await this.opts.postCommit(effects.clientMessages);
      send(res, 200, { jsonrpc: "2.0", id, result: result === undefined ? null : result });
    } catch (err) {
      this.finish(call, effects);
      call.error = err instanceof OdooError ? err.odooName : "builtins.ValueError";
      send(res, 200, errorEnvelope(id, err));
    }
  }

  private logCall(service: string, method: string, args: unknown[]): OdooCall {
    const isKw = service === "object" && method === "execute_kw";
    const call: OdooCall = {
      service,
      method,
      ...(isKw ? { model: String(args[3]), ormMethod: String(args[4]) } : {}),
      ...(isKw && typeof args[1] === "number" ? { uid: args[1] } : {}),
      args: isKw ? ((args[5] as unknown[] | undefined) ?? []) : args,
      kwargs: isKw ? ((args[6] as Record<string, unknown> | undefined) ?? {}) : {},
      readInternalNote: false,
      fieldsRequested: [],
      at: Date.now(),
    };
    this.calls.push(call);
    return call;
  }

  private finish(call: OdooCall, effects: CallEffects): void {
    if (effects.uid !== undefined) call.uid = effects.uid;
    call.fieldsRequested = [...effects.requested];
    call.readInternalNote = effects.requested.has("legal.case.internal_note");
  }
}
