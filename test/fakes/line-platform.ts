import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What one LINE user saw arrive, in order. */
export interface Received {
  method: "reply" | "push";
  texts: string[];
  retryKey?: string;
  at: number;
}

interface IssuedToken {
  userId: string;
  expiresAt: number;
  used: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A stand-in LINE platform speaking the Messaging API endpoints LexReply uses, reached through the
 * official SDK by pointing `LINE_API_BASE_URL` and `LINE_DATA_API_BASE_URL` here. Reply tokens are
 * single-use and expire; a push repeating an `X-Line-Retry-Key` gets 409 and is not delivered again;
 * messages over LINE's limits are refused with 400 as LINE does.
 */
export class FakeLinePlatform {
  readonly channelSecret = randomBytes(16).toString("hex");
  readonly accessToken = randomBytes(24).toString("hex");
  apiURL = "";
  dataURL = "";
  /** Every text each user received. */
  readonly received = new Map<string, Received[]>();
  readonly loading: { chatId: string; loadingSeconds: number }[] = [];
  readonly refusedReplies: string[] = [];
  /** Files clients "sent", served by the data API. */
  readonly contents = new Map<string, Buffer>();
  readonly profiles = new Map<string, { displayName: string; language?: string }>();
  /** How long an issued reply token works (LINE: about a minute). */
  tokenTtlMs = 60_000;
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly retryKeys = new Set<string>();
  private readonly failures: number[] = [];
  private readonly servers: Server[] = [];

  async start(): Promise<this> {
    this.apiURL = await this.listen((req, res, body) => this.api(req, res, body));
    this.dataURL = await this.listen((req, res) => this.data(req, res));
    return this;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map((s) => {
        s.closeAllConnections();
        return new Promise((r) => s.close(r));
      }),
    );
  }

  /** A reply token as LINE puts one on a webhook event. */
  issueReplyToken(userId: string): string {
    const token = randomBytes(16).toString("hex");
    this.tokens.set(token, { userId, expiresAt: Date.now() + this.tokenTtlMs, used: false });
    return token;
  }

  /** The signature LINE sends in `X-Line-Signature`: base64 HMAC-SHA256 of the body with the channel secret. */
  sign(body: string | Buffer, secret = this.channelSecret): string {
    return createHmac("sha256", secret).update(body).digest("base64");
  }

  textsFor(userId: string): string[] {
    return (this.received.get(userId) ?? []).flatMap((r) => r.texts);
  }

  deliveries(userId: string): Received[] {
    return this.received.get(userId) ?? [];
  }

  private deliver(userId: string, r: Received): void {
    this.received.set(userId, [...(this.received.get(userId) ?? []), r]);
  }

  private async listen(handler: (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>) => void): Promise<string> {
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString("utf8");
      if (req.headers.authorization !== `Bearer ${this.accessToken}`) return send(res, 401, { message: "Authentication failed" });
      handler(req, res, raw ? (JSON.parse(raw) as Record<string, unknown>) : {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    this.servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** LINE's own checks on message objects: 1–5 per request, text only here, ≤ 5,000 UTF-16 units. */
  private invalidMessages(messages: unknown): string | null {
    if (!Array.isArray(messages) || messages.length < 1 || messages.length > 5) return "messages: must contain 1 to 5 items";
    for (const m of messages as { type?: string; text?: string }[]) {
      if (m.type !== "text" || typeof m.text !== "string" || m.text.length === 0) return "messages: only non-empty text messages are expected";
      if (m.text.length > 5000) return "messages[].text: length must be at most 5000";
    }
    return null;
  }

  /** The next `n` reply or push requests are answered with this status (429, 500) and deliver nothing. */
  failNext(status: number, n = 1): void {
    for (let i = 0; i < n; i++) this.failures.push(status);
  }

  private api(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): void {
    const path = req.url ?? "";
    const sending = req.method === "POST" && (path === "/v2/bot/message/reply" || path === "/v2/bot/message/push");
    const failure = sending ? this.failures.shift() : undefined;
    if (failure) return send(res, failure, { message: failure === 429 ? "You have reached your monthly limit." : "Internal Server Error" });
    if (req.method === "POST" && path === "/v2/bot/message/reply") {
      const invalid = this.invalidMessages(body.messages);
      if (invalid) return send(res, 400, { message: invalid });
      const token = this.tokens.get(String(body.replyToken));
      if (!token || token.used || token.expiresAt < Date.now()) {
        this.refusedReplies.push(String(body.replyToken));
        return send(res, 400, { message: "Invalid reply token" });
      }
      token.used = true;
      this.deliver(token.userId, { method: "reply", texts: (body.messages as { text: string }[]).map((m) => m.text), at: Date.now() });
      return send(res, 200, { sentMessages: [] });
    }
    if (req.method === "POST" && path === "/v2/bot/message/push") {
      const invalid = this.invalidMessages(body.messages);
      if (invalid) return send(res, 400, { message: invalid });
      const key = req.headers["x-line-retry-key"] as string | undefined;
      if (key !== undefined && !UUID.test(key)) return send(res, 400, { message: "The retry key is not a UUID" });
      if (key && this.retryKeys.has(key)) {
        return send(res, 409, { message: "The retry key is already accepted", sentMessages: [] }, { "x-line-accepted-request-id": randomUUID() });
      }
      if (key) this.retryKeys.add(key);
      this.deliver(String(body.to), { method: "push", texts: (body.messages as { text: string }[]).map((m) => m.text), retryKey: key, at: Date.now() });
      return send(res, 200, { sentMessages: [] });
    }
    if (req.method === "POST" && path === "/v2/bot/chat/loading/start") {
      this.loading.push({ chatId: String(body.chatId), loadingSeconds: Number(body.loadingSeconds) });
      return send(res, 202, {});
    }
    const profile = /^\/v2\/bot\/profile\/([^/?]+)$/.exec(path);
    if (req.method === "GET" && profile) {
      const p = this.profiles.get(profile[1]!);
      return p ? send(res, 200, { userId: profile[1], ...p }) : send(res, 404, { message: "Not found" });
    }
    send(res, 404, { message: `no stand-in for ${req.method} ${path}` });
  }

  private data(req: IncomingMessage, res: ServerResponse): void {
    const m = /^\/v2\/bot\/message\/([^/]+)\/content$/.exec(req.url ?? "");
    const content = m ? this.contents.get(m[1]!) : undefined;
    if (req.method !== "GET" || !content) return send(res, 404, { message: "Not found" });
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": content.length });
    res.end(content);
  }
}

function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(payload));
}

/** Webhook bodies as LINE sends them. */
export class WebhookEvents {
  private seq = 0;

  constructor(private readonly line: FakeLinePlatform) {}

  private base(userId: string, type: string, withToken = true) {
    const id = `01J${Date.now().toString(36).toUpperCase()}${String(++this.seq).padStart(6, "0")}`;
    return {
      type,
      mode: "active",
      timestamp: Date.now(),
      source: { type: "user", userId },
      webhookEventId: id,
      deliveryContext: { isRedelivery: false },
      ...(withToken ? { replyToken: this.line.issueReplyToken(userId) } : {}),
    };
  }

  text(userId: string, text: string) {
    return { ...this.base(userId, "message"), message: { id: String(100000 + this.seq), type: "text", quoteToken: "q", text } };
  }

  sticker(userId: string) {
    return { ...this.base(userId, "message"), message: { id: String(100000 + this.seq), type: "sticker", packageId: "446", stickerId: "1988", stickerResourceType: "STATIC" } };
  }

  image(userId: string, bytes: Buffer) {
    const e = { ...this.base(userId, "message"), message: { id: String(100000 + this.seq), type: "image", contentProvider: { type: "line" } } };
    this.line.contents.set(e.message.id, bytes);
    return e;
  }

  follow(userId: string) {
    return { ...this.base(userId, "follow"), follow: { isUnblocked: false } };
  }

  /** The same event as LINE redelivers it: same webhookEventId, flagged, its reply token not to be used. */
  redelivery<E extends { deliveryContext: { isRedelivery: boolean } }>(event: E): E {
    return { ...event, deliveryContext: { isRedelivery: true } };
  }

  body(destination: string, events: unknown[]): string {
    return JSON.stringify({ destination, events });
  }
}
