import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the stand-in model says to one request. */
export type ModelBehaviour =
  | { kind: "answer"; answer: string; case_numbers?: string[]; dates?: string[]; needs_human?: boolean; language?: "zh-TW" | "en"; delayMs?: number }
  | { kind: "status"; status: number; message?: string }
  | { kind: "garbage" }
  | { kind: "hang" };

export interface ModelRequest {
  path: string;
  body: Record<string, unknown>;
  /** The whole prompt as one text (instructions + input, or all chat messages). */
  prompt: string;
}

const CASE_LINE = /(?:案號|Case number)：?:?\s*(\d{4}-[A-Z]{2,5}-\d{3,6})/;

/** By default the stand-in answers like a well-behaved model: it restates the first matter's case number. */
function groundedDefault(prompt: string): ModelBehaviour {
  const number = CASE_LINE.exec(prompt)?.[1];
  const en = prompt.includes("Case number");
  if (!number) return { kind: "answer", answer: en ? "The information on file is incomplete." : "目前資料不完整。", needs_human: true };
  return {
    kind: "answer",
    answer: en ? `Your matter ${number} is progressing as recorded in our file.` : `您的案件 ${number} 目前依卷宗記載進行中。`,
    case_numbers: [number],
    language: en ? "en" : "zh-TW",
  };
}

/**
 * A stand-in OpenAI speaking the Responses API (and Chat Completions) wire format, so the official
 * SDK is exercised for real with `baseURL` pointed here. Tests queue behaviours; the rest get `groundedDefault`.
 */
export class FakeOpenAI {
  readonly requests: ModelRequest[] = [];
  private readonly queue: ModelBehaviour[] = [];
  private server: Server | undefined;
  baseURL = "";
  /** `GET /v1/models/{id}`: a model not listed exists with no shutdown announced; one set to null is gone (404). */
  readonly models = new Map<string, { shutdown_date?: string | number } | null>();
  /** When set, decides every request (after the queue is empty). */
  respond: ((req: ModelRequest) => ModelBehaviour) | null = null;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.baseURL = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  enqueue(...behaviours: ModelBehaviour[]): void {
    this.queue.push(...behaviours);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const model = req.method === "GET" ? /\/models\/([^/?]+)$/.exec(req.url ?? "")?.[1] : undefined;
    if (model) return this.describeModel(decodeURIComponent(model), res);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    const path = req.url ?? "";
    const prompt = path.endsWith("/chat/completions")
      ? (body.messages as { content: string }[]).map((m) => m.content).join("\n")
      : `${String(body.instructions ?? "")}\n${typeof body.input === "string" ? body.input : JSON.stringify(body.input)}`;
    const request = { path, body, prompt };
    this.requests.push(request);
    const behaviour = this.queue.shift() ?? this.respond?.(request) ?? groundedDefault(prompt);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(typeof payload === "string" ? payload : JSON.stringify(payload));
    };
    switch (behaviour.kind) {
      case "hang":
        return; // never answers: only the caller's timeout ends it
      case "garbage":
        return send(200, this.wrap(path, body, "Sure! Here is the update you asked for, no JSON at all."));
      case "status":
        return send(behaviour.status, { error: { message: behaviour.message ?? `stand-in error ${behaviour.status}`, type: "server_error", code: null } }, { "retry-after-ms": "10" });
      case "answer": {
        if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
        if (res.destroyed) return;
        const json = JSON.stringify({
          answer: behaviour.answer,
          case_numbers: behaviour.case_numbers ?? [],
          dates: behaviour.dates ?? [],
          needs_human: behaviour.needs_human ?? false,
          language: behaviour.language ?? (/\p{Script=Han}/u.test(behaviour.answer) ? "zh-TW" : "en"),
        });
        return send(200, this.wrap(path, body, json));
      }
    }
  }

  private describeModel(id: string, res: ServerResponse): void {
    const known = this.models.get(id);
    res.writeHead(known === null ? 404 : 200, { "content-type": "application/json" });
    res.end(
      JSON.stringify(
        known === null
          ? { error: { message: `The model '${id}' does not exist or you do not have access to it.`, type: "invalid_request_error", code: "model_not_found" } }
          : { id, object: "model", created: 1754265600, owned_by: "system", ...known },
      ),
    );
  }

  private wrap(path: string, body: Record<string, unknown>, text: string): unknown {
    const input = Math.ceil(this.requests.at(-1)!.prompt.length / 2);
    // OpenAI caches prompt prefixes in 1,024-token blocks once a prompt is that long.
    const usage = { input, output: Math.ceil(text.length / 2), cached: input >= 1024 ? 1024 : 0 };
    if (path.endsWith("/chat/completions")) {
      return {
        id: "chatcmpl-standin",
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, finish_reason: "stop", logprobs: null }],
        usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output, prompt_tokens_details: { cached_tokens: usage.cached } },
      };
    }
    return {
      id: `resp_${this.requests.length}`,
      object: "response",
      created_at: Math.floor(Date.now() / 1000),
      status: "completed",
      error: null,
      incomplete_details: null,
      instructions: body.instructions ?? null,
      model: `${String(body.model)}-2025-08-07`,
      output: [
        { id: `rs_${this.requests.length}`, type: "reasoning", summary: [] },
        { id: `msg_${this.requests.length}`, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] },
      ],
      parallel_tool_calls: true,
      tool_choice: "auto",
      tools: [],
      text: body.text,
      usage: {
        input_tokens: usage.input,
        input_tokens_details: { cached_tokens: usage.cached },
        output_tokens: usage.output,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: usage.input + usage.output,
      },
    };
  }
}
