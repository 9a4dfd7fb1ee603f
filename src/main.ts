import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { ConfigError, loadDotEnv, readSettings, type Config, type LoadedConfig, type SandboxConfig } from "./config.js";
import { createLogger, type Logger } from "./logger.js";
import { buildSidecar, combineChannels, type SidecarConfig, type SidecarParts, type ChannelPlugins } from "./sidecar.js";
import { lineChannel } from "./channels/line/index.js";
import { emailChannel } from "./channels/email/index.js";
import { shutdown } from "./shutdown.js";
import type { ModelStatus } from "./llm/model-status.js";

/** How often the model's existence and shutdown date are asked again while running. */
const MODEL_RECHECK_MS = 6 * 3_600_000;

/** A start that cannot go on: one line on stderr per problem, exit code 1 (a service manager sees the failure). */
function stop(lines: string[]): never {
  for (const line of lines) console.error(`lexreply: ${line}`);
  process.exit(1);
}

function settingsOrExit(): LoadedConfig {
  try {
    loadDotEnv();
    return readSettings();
  } catch (err) {
    if (err instanceof ConfigError) stop(err.problems);
    stop([`.env: ${(err as Error).message}`]);
  }
}

/** Sandbox mode: a built-in Odoo with a sample firm; nothing in it can reach a real client. Loaded only here, so a firm's sidecar does not carry it. */
async function sandboxOdoo(config: SandboxConfig, log: Logger): Promise<{ config: SidecarConfig; close: () => Promise<void>; page: typeof import("./sandbox/plugin.js").sandboxChannel }> {
  const { signedAskCaller, startOdooStandin } = await import("./standin/odoo/index.js");
  const { sandboxChannel } = await import("./sandbox/plugin.js");
  const standin = await startOdooStandin();
  const secret = randomBytes(24).toString("hex");
  standin.onClientMessage(signedAskCaller(`http://127.0.0.1:${config.PORT}`, secret));
  log.info({ odoo: standin.url }, "sandbox Odoo started with the sample firm");
  return {
    config: { ...config, ODOO_URL: standin.url, ODOO_DB: standin.db, ODOO_LOGIN: "lexreply-bot", ODOO_API_KEY: "lexreply-bot-key", ASK_SECRET: secret },
    close: () => standin.close(),
    page: sandboxChannel,
  };
}

/** The channels this deployment has settings for, each one that is off saying so once. */
function channels(config: SidecarConfig, core: SidecarParts, log: Logger): ChannelPlugins {
  const list: ChannelPlugins[] = [];
  if (config.LINE_CHANNEL_SECRET) list.push(lineChannel(config, core, log));
  else log.info("LINE channel off: LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN are not set");
  if (!config.IMAP_URL) log.info("IMAP mailbox off: IMAP_URL is not set (mail to the helpdesk alias still works through Odoo)");
  if (!config.SMTP_URL || !config.STAFF_EMAIL) log.info("staff e-mail off: SMTP_URL and STAFF_EMAIL are not both set (activities in Odoo still are)");
  list.push(emailChannel(config, core, log));
  return combineChannels(list);
}

/** A firm's sidecar with its channels, or the sandbox with its page and no real channel. */
async function build(config: Config, log: Logger) {
  if (config.mode === "odoo") return { ...buildSidecar(config, log, (c) => channels(config, c, log)), closeSandbox: null };
  const sandbox = await sandboxOdoo(config, log);
  return { ...buildSidecar(sandbox.config, log, (c) => combineChannels([sandbox.page(sandbox.config, c, log)])), closeSandbox: sandbox.close };
}

const LISTEN_HINTS: Record<string, string> = {
  EADDRINUSE: "the port is in use by another process: stop it or set PORT",
  EACCES: "this user may not bind that port: use one above 1023 (and a reverse proxy) or set PORT",
  EADDRNOTAVAIL: "this machine has no such address: set HOST to one of its addresses, or 0.0.0.0",
  ENOTFOUND: "HOST is not a name this machine can resolve: set HOST to an address, or 0.0.0.0",
  EAI_AGAIN: "HOST could not be resolved: set HOST to an address, or 0.0.0.0",
};

/** Resolves once the port is bound; a port that cannot be bound ends the start with one line. */
function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      stop([`cannot listen on ${host}:${port}: ${LISTEN_HINTS[err.code ?? ""] ?? err.message} (${err.code ?? err.name})`]);
    });
    server.listen(port, host, () => resolve());
  });
}

/** At start and every few hours: a model the API no longer knows, or one shutting down soon, is said in the log. */
async function watchModel(model: ModelStatus, log: Logger): Promise<void> {
  const report = async () => {
    const state = await model.check();
    if (state.kind === "unreachable") log.warn({ model: model.model, err: state.error }, "could not ask the API about the model; answers will show whether it works");
    const notice = model.notice();
    if (notice) (state.kind === "unknown" ? log.error.bind(log) : log.warn.bind(log))({ model: model.model }, notice);
  };
  await report();
  setInterval(() => void report(), MODEL_RECHECK_MS).unref();
}

async function main(): Promise<void> {
  const { config, warnings } = settingsOrExit();
  const log = createLogger(config.LOG_LEVEL);
  for (const warning of warnings) log.warn(warning);
  if (config.mode === "sandbox") {
    log.info(
      `sandbox mode: no production setting is present, so LexReply runs against a built-in Odoo with a sample firm (${config.llmMode === "openai" ? `model ${config.LLM_MODEL}` : "template-only answers, no OPENAI_API_KEY"}), on 127.0.0.1 only, with no real channel; open http://localhost:${config.PORT}/sandbox`,
    );
  }
  const { app, core, plugins, closeSandbox } = await build(config, log);
  const server = createServer(app);
  await listen(server, config.HOST, config.PORT);
  log.info({ host: config.HOST, port: config.PORT, llm: core.answerer.name }, "LexReply sidecar listening");
  const onSignal = (signal: string) => {
    log.info({ signal }, "shutting down: finishing answers in flight");
    void shutdown({ server, jobs: core.jobs, channels: [plugins], stores: closeSandbox ? [closeSandbox] : [], log }).then(() => process.exit(0));
  };
  process.once("SIGINT", () => onSignal("SIGINT"));
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  await plugins.start?.();
  // In the background: a slow or unreachable model API must not hold up the start.
  void watchModel(core.modelStatus, log);
}

await main();
