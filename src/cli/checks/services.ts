import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { messagingApi } from "@line/bot-sdk";
import type { Config } from "../../config.js";
import type { Answerer } from "../../llm/answerer.js";
import type { ModelStatus } from "../../llm/model-status.js";
import { errorText, fail, ok, skip, warn, type Check, type CheckResult } from "./check.js";

const GREETING_TIMEOUT_MS = 5000;

/** The model answers a tiny request in the structured form the pipeline needs: key, URL, model name and API all work. */
export function modelCheck(config: Config, answerer: Answerer): Check {
  return {
    name: "model reachable",
    run: async () => {
      if (config.llmMode === "templates") return ok("template-only answers (LLM_MODE=templates): no model is called");
      const where = `${config.OPENAI_BASE_URL ?? "https://api.openai.com/v1"} (${config.OPENAI_API} API)`;
      const started = Date.now();
      try {
        const res = await answerer.answer({
          system: 'This is a connection test. Answer "ok" with no case numbers and no dates.',
          user: "ping",
          lang: "en",
          facts: { partnerId: 0, name: "", matters: [] },
          matter: null,
          unknownNumbers: false,
          signal: AbortSignal.timeout(config.LLM_TIMEOUT_MS),
        });
        return ok(`${config.LLM_MODEL} answered at ${where} as ${res.model} in ${Date.now() - started} ms`);
      } catch (err) {
        return fail(`${config.LLM_MODEL} at ${where}: ${errorText(err)}`, modelFix(err, config.OPENAI_API));
      }
    },
  };
}

/** `GET /v1/models/{model}`: still offered, and when its announced shutdown is. */
export function modelLifetimeCheck(status: ModelStatus): Check {
  const successor = "set LLM_MODEL to its successor (docs/models.md) and restart";
  return {
    name: "model lifetime",
    run: async () => {
      const state = await status.check();
      if (state.kind === "unchecked") return skip("no model is called (LLM_MODE=templates)");
      if (state.kind === "unreachable") return skip(`could not ask the API about ${status.model}: ${state.error.split("\n")[0]}`);
      if (state.kind === "unknown") return fail(`the API no longer offers ${status.model}`, successor);
      const notice = status.notice();
      if (notice) return warn(notice, successor);
      return ok(state.shutdownDate ? `${status.model} shuts down on ${state.shutdownDate} (more than 30 days away)` : `${status.model} is offered, no shutdown announced`);
    },
  };
}

function modelFix(err: unknown, api: Config["OPENAI_API"]): string {
  const status = (err as { status?: number }).status;
  if (status === 401 || status === 403) return "OPENAI_API_KEY was refused: set a valid key (on Azure, the resource's key)";
  if (status === 404)
    return `the model name was not accepted: set LLM_MODEL to a model your endpoint serves (on Azure, the deployment name; the gpt-5 family is announced for retirement on 2026-12-11)${api === "responses" ? ", or, if the server has no Responses API, set OPENAI_API=chat" : ""}`;
  if (status === 400 || status === 422) return "the server rejected the request: a server without the Responses API needs OPENAI_API=chat; one without Structured Outputs cannot be used";
  if (status) return "the model service answered with an error: retry, or check the provider's status page";
  if ((err as Error).name === "MalformedAnswerError") return "the server answered without the structured JSON the pipeline needs: use a model that supports Structured Outputs (json_schema)";
  return "OPENAI_BASE_URL cannot be reached from this machine: check the URL (it ends in /v1), proxies and firewalls, and LLM_TIMEOUT_MS";
}

export function lineCheck(config: Config): Check {
  return {
    name: "LINE channel",
    run: async () => {
      if (!config.LINE_CHANNEL_ACCESS_TOKEN) return skip("off (LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN are not set)");
      try {
        const client = new messagingApi.MessagingApiClient({ channelAccessToken: config.LINE_CHANNEL_ACCESS_TOKEN, baseURL: config.LINE_API_BASE_URL });
        const bot = await client.getBotInfo();
        return ok(`token valid for the bot "${bot.displayName}" (${bot.basicId})`);
      } catch (err) {
        return fail(errorText(err), "LINE refused LINE_CHANNEL_ACCESS_TOKEN: issue a long-lived channel access token in the LINE Developers console (Messaging API tab) and set it with the channel secret");
      }
    },
  };
}

/** Connects and reads the server's first line: enough to prove the host, port and TLS setting are right. */
export function greeting(url: URL, defaultPorts: { plain: number; tls: number }, timeoutMs = GREETING_TIMEOUT_MS): Promise<string> {
  const secure = url.protocol.endsWith("s:");
  const port = Number(url.port || (secure ? defaultPorts.tls : defaultPorts.plain));
  return new Promise((resolve, reject) => {
    const socket: Socket = secure ? tlsConnect({ host: url.hostname, port, servername: url.hostname }) : tcpConnect({ host: url.hostname, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no greeting from ${url.hostname}:${port} within ${timeoutMs} ms`)));
    socket.once("data", (data) => {
      resolve(data.toString("utf8").split("\r\n")[0]!);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

function mailCheck(name: string, raw: string | undefined, setting: string, ports: { plain: number; tls: number }, expected: RegExp): Check {
  return {
    name,
    run: async (): Promise<CheckResult> => {
      if (!raw) return skip(`off (${setting} is not set)`);
      const url = new URL(raw);
      const where = `${url.protocol}//${url.hostname}:${url.port || "(default port)"}`;
      const fix = `check ${setting}: host, port and imaps/smtps (TLS) versus plain, and that this machine may connect to it`;
      try {
        const line = await greeting(url, ports);
        return expected.test(line) ? ok(`${where} greets: ${line.slice(0, 60)}`) : fail(`${where} answered "${line.slice(0, 60)}"`, fix);
      } catch (err) {
        return fail(`${where}: ${errorText(err)}`, fix);
      }
    },
  };
}

export const imapCheck = (config: Config) => mailCheck("IMAP mailbox", config.IMAP_URL, "IMAP_URL", { plain: 143, tls: 993 }, /^\* (OK|PREAUTH)/i);
export const smtpCheck = (config: Config) => mailCheck("SMTP (staff e-mail)", config.SMTP_URL, "SMTP_URL", { plain: 587, tls: 465 }, /^220/);
