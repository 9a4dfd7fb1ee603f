/**
 * LINE webhook acknowledgement latency: p50/p99 of `POST /line/webhook` at 100 and 500 signed
 * requests a second (one text event each, from 1,000 linked clients), with Odoo at 20 ms a call and the
 * model at 5 s; afterwards, every acknowledged event must be in Odoo exactly once.
 *
 * Three processes, so the numbers are the sidecar's own: the stand-ins (Odoo, model, LINE), the
 * sidecar, and this one driving autocannon.
 *
 *   npx tsx bench/line-webhook.ts [secondsPerRate=10]
 */
import type { Result } from "autocannon";
import { fork, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";

// The Odoo stand-in scans its tables on every call, so more users mostly measure the stand-in.
const USERS = 200;
const ODOO_LATENCY_MS = 20;
const MODEL_LATENCY_MS = 5000;
const RATES = [100, 500];
const userId = (i: number) => `Ubench${String(i).padStart(27, "0")}`;

interface Settings {
  askSecret: string;
  lineSecret: string;
  lineToken: string;
  dataDir: string;
}

type Reply =
  | { type: "ready"; env?: Record<string, string>; url?: string }
  | { type: "arrived"; total: number; unique: number }
  | { type: "loop"; p50: number; p99: number; max: number };

/** Odoo (with 1,000 linked clients, one matter each), the model and LINE, in one process. */
async function standins(s: Settings): Promise<void> {
  const { seedSampleFirm, signedAskCaller, startOdooStandin } = await import("../src/standin/odoo/index.js");
  const { FakeOpenAI } = await import("../test/fakes/openai-server.js");
  const { FakeLinePlatform } = await import("../test/fakes/line-platform.js");
  const partners = new Set<number>();
  const odoo = await startOdooStandin({
    latencyMs: ODOO_LATENCY_MS,
    seed: (store) => {
      seedSampleFirm(store);
      for (let i = 0; i < USERS; i++) {
        const partnerId = store.create("res.partner", { name: `Bench client ${i}`, email: `bench${i}@example.tw`, lexreply_line_user_id: userId(i) });
        store.create("legal.case", { name: `Bench matter ${i}`, number: `2026-BEN-${String(i).padStart(4, "0")}`, partner_id: partnerId, state: "in_progress" });
        partners.add(partnerId);
      }
    },
  });
  // The sidecar starts after its Odoo; this process is told its address then.
  let sidecarUrl = "";
  odoo.onClientMessage((e) => signedAskCaller(sidecarUrl, s.askSecret)(e));
  const model = await new FakeOpenAI().start();
  model.respond = (req) => {
    const number = /Case number: (\S+)|案號：(\S+)/.exec(req.prompt)?.slice(1).find(Boolean) ?? "";
    return { kind: "answer", answer: `您的案件 ${number} 依卷宗記載進行中。`, case_numbers: [number], delayMs: MODEL_LATENCY_MS };
  };
  const line = await new FakeLinePlatform().start();
  Object.assign(line, { channelSecret: s.lineSecret, accessToken: s.lineToken });
  process.on("message", (msg: { sidecarUrl?: string }) => {
    if (msg.sidecarUrl) return void (sidecarUrl = msg.sidecarUrl);
    const bodies = odoo.store
      .searchRead("mail.message", [["model", "=", "helpdesk.ticket"], ["body", "like", "bench-"]], ["body", "author_id"])
      .filter((m) => partners.has(m.author_id as number))
      .map((m) => String(m.body));
    process.send!({ type: "arrived", total: bodies.length, unique: new Set(bodies).size } satisfies Reply);
  });
  process.send!({
    type: "ready",
    env: { ODOO_URL: odoo.url, ODOO_DB: odoo.db, ODOO_API_KEY: odoo.botPassword, OPENAI_BASE_URL: model.baseURL, LINE_API_BASE_URL: line.apiURL, LINE_DATA_API_BASE_URL: line.dataURL },
  } satisfies Reply);
}

/** The real sidecar with the LINE channel, as `npm start` builds it. */
async function sidecar(s: Settings, env: Record<string, string>): Promise<void> {
  const { loadConfig } = await import("../src/config.js");
  const { createLogger } = await import("../src/logger.js");
  const { buildSidecar } = await import("../src/sidecar.js");
  const { lineChannel } = await import("../src/channels/line/index.js");
  const config = loadConfig({
    ...env,
    ASK_SECRET: s.askSecret,
    LLM_MODE: "openai",
    OPENAI_API_KEY: "sk-bench",
    LLM_TIMEOUT_MS: String(MODEL_LATENCY_MS + 5000),
    LINE_CHANNEL_SECRET: s.lineSecret,
    LINE_CHANNEL_ACCESS_TOKEN: s.lineToken,
    LINE_RATE_LIMIT_PER_HOUR: "1000",
    LINE_INTAKE_CONCURRENCY: "32",
    DATA_DIR: s.dataDir,
    LOG_LEVEL: "error",
  }) as import("../src/sidecar.js").SidecarConfig;
  const log = createLogger("error");
  const { app, plugins } = buildSidecar(config, log, (core) => lineChannel(config, core, log));
  const server = await new Promise<import("node:http").Server>((r) => {
    const listening = app.listen(0, "127.0.0.1", () => r(listening));
  });
  await plugins.start?.();
  // How long the sidecar's event loop was held up: a webhook waits at least that long for its 200.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  process.on("message", () => {
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    process.send!({ type: "loop", p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) } satisfies Reply, () => process.exit(0));
  });
  process.send!({ type: "ready", url: `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}` } satisfies Reply);
}

function start(role: string, s: Settings, env: Record<string, string> = {}): ChildProcess {
  // BENCH_PROFILE=dir writes a CPU profile of each child there (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  return fork(fileURLToPath(import.meta.url), [role, JSON.stringify(s), JSON.stringify(env)], {
    execArgv: ["--import", "tsx", ...profile],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

async function next(child: ChildProcess, type: Reply["type"]): Promise<Reply> {
  for (;;) {
    const [msg] = (await once(child, "message")) as [Reply];
    if (msg.type === type) return msg;
  }
}

async function drive(): Promise<void> {
  const { default: autocannon } = await import("autocannon");
  const seconds = Number(process.argv[2] ?? 10);
  const s: Settings = {
    askSecret: randomBytes(24).toString("hex"),
    lineSecret: randomBytes(16).toString("hex"),
    lineToken: randomBytes(24).toString("hex"),
    dataDir: mkdtempSync(join(tmpdir(), "lexreply-bench-line-")),
  };
  const stand = start("standins", s);
  const { env } = (await next(stand, "ready")) as { env: Record<string, string> };
  const side = start("sidecar", s, env);
  const { url } = (await next(side, "ready")) as { url: string };
  stand.send({ sidecarUrl: url });

  let sent = 0;
  let acknowledged = 0;
  const target = { url, connections: 50 };
  const run = async (rate: number, duration: number) => {
    const result = await autocannon({
      ...target,
      overallRate: rate,
      duration,
      requests: [
        {
          method: "POST",
          path: "/line/webhook",
          setupRequest: (req) => {
            const n = sent++;
            const body = JSON.stringify({
              destination: "Ubench",
              events: [
                {
                  type: "message",
                  mode: "active",
                  timestamp: Date.now(),
                  source: { type: "user", userId: userId(n % USERS) },
                  webhookEventId: `01BENCH${rate}X${String(n).padStart(10, "0")}`,
                  deliveryContext: { isRedelivery: false },
                  message: { id: String(n), type: "text", quoteToken: "q", text: `bench-${n} 請問我的案件進度？😀` },
                },
              ],
            });
            const signature = createHmac("sha256", s.lineSecret).update(body).digest("base64");
            return { ...req, body, headers: { "content-type": "application/json", "x-line-signature": signature } };
          },
        },
      ],
    });
    acknowledged += result["2xx"];
    return result;
  };

  const row = (label: string, rate: number, r: Result) =>
    `${label.padEnd(8)} ${String(rate).padStart(4)}/s  sent ${String(r.requests.total).padStart(5)}  2xx ${String(r["2xx"]).padStart(5)}  non-2xx ${r.non2xx}  errors ${r.errors}  ` +
    `p50 ${r.latency.p50} ms  p90 ${r.latency.p90} ms  p99 ${r.latency.p99} ms  max ${r.latency.max} ms  (achieved ${Math.round(r.requests.average)}/s)`;

  await run(50, 2); // warm-up: JIT, the Odoo login, SQLite's first pages
  const rows: string[] = [];
  // What this machine gives any request right now: GET /healthz does no work at all.
  const baseline = await autocannon({ ...target, url: `${target.url}/healthz`, overallRate: RATES.at(-1)!, duration: seconds });
  rows.push(row("healthz", RATES.at(-1)!, baseline));
  for (const rate of RATES) {
    const r = await run(rate, seconds);
    rows.push(row("webhook", rate, r));
  }

  // Every acknowledged event must reach Odoo once: wait for the outbox to drain, as long as it moves.
  const drainStart = Date.now();
  let arrived = { total: 0, unique: 0 };
  for (let lastProgress = Date.now(), seen = -1; Date.now() - lastProgress < 30_000; ) {
    stand.send({ count: true });
    arrived = (await next(stand, "arrived")) as typeof arrived & Reply;
    if (arrived.unique >= acknowledged) break;
    if (arrived.total !== seen) [seen, lastProgress] = [arrived.total, Date.now()];
    await new Promise((r) => setTimeout(r, 1000));
  }
  const drainS = Math.round((Date.now() - drainStart) / 1000);
  console.log(`LINE webhook acknowledgement, Odoo at ${ODOO_LATENCY_MS} ms, model at ${MODEL_LATENCY_MS / 1000} s, ${USERS} users, ${seconds} s per rate, 50 connections`);
  for (const row of rows) console.log(row);
  side.send("stop");
  const loop = (await next(side, "loop")) as Extract<Reply, { type: "loop" }>;
  console.log(`sidecar event-loop delay over the whole run: p50 ${loop.p50} ms, p99 ${loop.p99} ms, max ${loop.max} ms`);
  // Requests still in flight when a run ends are accepted by the sidecar but not counted as 2xx by autocannon.
  const lost = Math.max(0, acknowledged - arrived.unique);
  console.log(`outbox drained into Odoo ${drainS} s after the load stopped (the Odoo stand-in's own CPU sets that pace)`);
  console.log(
    `acknowledged ${acknowledged} (autocannon's 2xx); in Odoo ${arrived.total} client messages, ${arrived.unique} distinct; ` +
      `lost ${lost}; duplicated ${arrived.total - arrived.unique}; accepted but not counted by autocannon ${Math.max(0, arrived.unique - acknowledged)}`,
  );
  stand.kill();
  rmSync(s.dataDir, { recursive: true, force: true });
  process.exit(lost === 0 && arrived.total === arrived.unique ? 0 : 1);
}

const [role, settings, env] = process.argv.slice(2);
if (role === "standins") await standins(JSON.parse(settings!) as Settings);
else if (role === "sidecar") await sidecar(JSON.parse(settings!) as Settings, JSON.parse(env!) as Record<string, string>);
else await drive();
