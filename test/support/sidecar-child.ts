/**
 * The sidecar with its LINE channel as a process of its own, for the fault suite to SIGKILL at a chosen
 * step: settings from the environment (as `npm start` takes them), its URL on stdout once it listens.
 */
import type { AddressInfo } from "node:net";
import { lineChannel } from "../../src/channels/line/index.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { buildSidecar, type SidecarConfig } from "../../src/sidecar.js";

const config = loadConfig(process.env) as SidecarConfig;
const log = createLogger(process.env.CHILD_LOG_LEVEL ?? "fatal");
const { app, plugins } = buildSidecar(config, log, (core) => lineChannel(config, core, log));
const server = app.listen(0, "127.0.0.1", async () => {
  await plugins.start?.();
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
