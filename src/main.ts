import { randomBytes } from "node:crypto";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { createLogger, type Logger } from "./logger.js";
import { buildSidecar, combineChannels, type SidecarConfig, type SidecarParts, type ChannelPlugins } from "./sidecar.js";
import { signedAskCaller, startOdooStandin } from "./standin/odoo/index.js";
import { sandboxChannel } from "./sandbox/plugin.js";
import { lineChannel } from "./channels/line/index.js";
import { emailChannel } from "./channels/email/index.js";

function loadOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.problems) console.error(`lexreply: ${line}`);
    console.error("lexreply: not started; see .env.example for every setting");
    process.exit(1);
  }
}

/** Sandbox mode: a built-in Odoo with a sample firm; nothing in it can reach a real client. */
async function sandboxOdoo(config: Config, log: Logger): Promise<{ config: SidecarConfig; stop: () => Promise<void> }> {
  const standin = await startOdooStandin();
  const secret = randomBytes(24).toString("hex");
  standin.onClientMessage(signedAskCaller(`http://127.0.0.1:${config.PORT}`, secret));
  log.info({ odoo: standin.url }, "sandbox Odoo started with the sample firm");
  return {
    config: { ...config, ODOO_URL: standin.url, ODOO_DB: standin.db, ODOO_LOGIN: "lexreply-bot", ODOO_API_KEY: "lexreply-bot-key", ASK_SECRET: secret },
    stop: () => standin.close(),
  };
}

/** The channels this deployment has settings for; each one that is off says so once. */
function channels(config: SidecarConfig, core: SidecarParts, log: Logger): ChannelPlugins {
  const list: ChannelPlugins[] = [];
  if (config.sandbox) list.push(sandboxChannel(config, core, log));
  if (config.LINE_CHANNEL_SECRET) list.push(lineChannel(config, core, log));
  if (!config.LINE_CHANNEL_SECRET) log.info("LINE channel off: LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN are not set");
  if (!config.IMAP_URL) log.info("IMAP mailbox off: IMAP_URL is not set (mail to the helpdesk alias still works through Odoo)");
  if (!config.SMTP_URL || !config.STAFF_EMAIL) log.info("staff e-mail off: SMTP_URL and STAFF_EMAIL are not both set (activities in Odoo still are)");
  list.push(emailChannel(config, core, log));
  return combineChannels(list);
}

async function main(): Promise<void> {
  const config = loadOrExit();
  const log = createLogger(config.LOG_LEVEL);
  if (config.sandbox) {
    log.info(`sandbox mode: no ODOO_URL set, so LexReply runs against a built-in Odoo with a sample firm (${config.llmMode === "openai" ? `model ${config.LLM_MODEL}` : "template-only answers, no OPENAI_API_KEY"}); open http://localhost:${config.PORT}/sandbox`);
  }
  const sandbox = config.sandbox ? await sandboxOdoo(config, log) : null;
  const sidecarConfig = sandbox?.config ?? (config as SidecarConfig);
  const { app, core, plugins } = buildSidecar(sidecarConfig, log, (c) => channels(sidecarConfig, c, log));
  const server = app.listen(config.PORT, config.HOST, () => {
    log.info({ port: config.PORT, odoo: sidecarConfig.ODOO_URL, db: sidecarConfig.ODOO_DB, llm: core.answerer.name }, "LexReply sidecar listening");
  });
  await plugins.start?.();
  const shutdown = async (signal: string) => {
    log.info({ signal }, "shutting down: finishing answers in flight");
    server.close();
    await plugins.stop?.();
    await core.jobs.drain();
    await sandbox?.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

await main();
