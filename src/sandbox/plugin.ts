import { ADMIN_PASSWORD } from "../standin/odoo/index.js";
import type { Logger } from "../logger.js";
import { OdooClient } from "../odoo/client.js";
import type { Config } from "../config.js";
import type { ChannelPlugins, SidecarParts } from "../sidecar.js";
import { CompositionLog } from "./composition-log.js";
import { SandboxFirm } from "./firm.js";
import { LineRecorder } from "./line-recorder.js";
import { sandboxRoutes } from "./routes.js";
import { SandboxSession } from "./session.js";

/** How long the page waits for an answer beyond the model's own budget. */
const PAGE_SLACK_MS = 15_000;

/**
 * Sandbox mode's page at `/sandbox`. Only for the built-in stand-in: it acts as the stand-in's
 * administrator to post questions as clients, and keeps LINE texts to itself (sandbox mode has no real channel).
 */
export function sandboxChannel(config: Pick<Config, "LLM_TIMEOUT_MS">, core: SidecarParts, log: Logger): ChannelPlugins {
  const admin = new OdooClient({ ...core.odoo.settings, login: "admin", apiKey: ADMIN_PASSWORD }, log);
  const firm = new SandboxFirm(admin);
  const compositions = new CompositionLog();
  core.pipeline.onComposed = compositions.record;
  const line = new LineRecorder();
  const session = new SandboxSession({ firm, jobs: core.jobs, compositions, line, timeoutMs: config.LLM_TIMEOUT_MS + PAGE_SLACK_MS });
  log.info("sandbox page at /sandbox; LINE answers are kept on the page, sent to no one");
  return { routes: [sandboxRoutes({ firm, session, answererName: core.answerer.name })], line };
}
