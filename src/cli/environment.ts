import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { createLogger, type Logger } from "../logger.js";
import { buildCore, type SidecarConfig, type SidecarParts } from "../sidecar.js";
import { BOT_LOGIN, DEFAULT_BOT_PASSWORD, startOdooStandin, type OdooStandin } from "../standin/odoo/index.js";
import { CliError, println, type CliIO } from "./io.js";

/** The settings, the sidecar's core built from them, and (without ODOO_URL) the stand-in behind it. */
export interface CliEnvironment {
  config: SidecarConfig;
  core: SidecarParts;
  log: Logger;
  standin: OdooStandin | null;
  close(): Promise<void>;
}

/** Reads the same environment as the sidecar; a bad one is reported one line per problem. */
export function readConfig(io: CliIO): Config {
  try {
    return loadConfig(io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new CliError(`${err.problems.map((p) => `configuration: ${p}`).join("\n")}\nsee .env.example for every setting`, 2);
  }
}

/** Logs go to stderr, warnings only unless LOG_LEVEL says otherwise: stdout is the command's output. */
function cliLogger(io: CliIO): Logger {
  return createLogger(io.env.LOG_LEVEL ?? "warn", pino.destination({ dest: 2, sync: true }));
}

/** A built-in Odoo with the sample firm, as in sandbox mode: nothing a command does can reach a client. */
export async function sampleFirmConfig(config: Config): Promise<{ config: SidecarConfig; standin: OdooStandin }> {
  const standin = await startOdooStandin();
  return {
    standin,
    config: {
      ...config,
      ODOO_URL: standin.url,
      ODOO_DB: standin.db,
      ODOO_LOGIN: BOT_LOGIN,
      ODOO_API_KEY: DEFAULT_BOT_PASSWORD,
      ASK_SECRET: randomBytes(24).toString("hex"),
    },
  };
}

/**
 * The configured Odoo, or with no ODOO_URL the sample firm in-process (said on stderr so no one
 * mistakes its numbers for their own firm's). `sampleFirm: true` always uses the sample firm.
 */
export async function openEnvironment(io: CliIO, opts: { sampleFirm?: boolean } = {}): Promise<CliEnvironment> {
  const config = readConfig(io);
  const log = cliLogger(io);
  const { config: sidecarConfig, standin } = config.mode === "odoo" && !opts.sampleFirm ? { config, standin: null } : await sampleFirmConfig(config);
  if (standin) println(io.stderr, `lexreply: ${config.sandbox ? "no production setting: using" : "not using ODOO_URL: using"} a built-in Odoo stand-in with the sample firm`);
  const core = buildCore(sidecarConfig, log);
  return { config: sidecarConfig, core, log, standin, close: async () => void (await standin?.close()) };
}

/** Runs `fn` in an environment and always closes it. */
export async function withEnvironment<T>(io: CliIO, fn: (env: CliEnvironment) => Promise<T>, opts?: { sampleFirm?: boolean }): Promise<T> {
  const env = await openEnvironment(io, opts);
  try {
    return await fn(env);
  } finally {
    await env.close();
  }
}
