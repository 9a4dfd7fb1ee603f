/**
 * LINE webhook acknowledgement latency: p50/p99 of `POST /line/webhook` at 100 and 500 signed
 * requests a second (one text event each, from 200 linked clients), with Odoo at 20 ms a call and the
 * model at 5 s; afterwards, every acknowledged event must be in Odoo exactly once (exit code 1 if not).
 * Each rate runs twice: evenly paced (open loop, as LINE's traffic arrives) and with autocannon (whose
 * rate mode sends each second's requests in a burst); a paced GET /healthz shows what the machine gives
 * a request that does no work.
 *
 * Three processes, so the numbers are the sidecar's own: the stand-ins (Odoo, model, LINE), the
 * sidecar, and this one driving the load.
 *
 * The Odoo stand-in's own CPU (it scans its tables on every call) paces the drain at a few dozen events
 * a second, so the check afterwards takes minutes; the latencies are printed as soon as they are known.
 *
 *   npx tsx bench/line-webhook.ts [secondsPerRun=5]
 */
import type { Result } from "autocannon";
import { fork, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { once } from "node:events";
import { Agent, request as httpRequest } from "node:http";
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
  process.on("message", (msg: { sidecarUrl?: string; down?: boolean }) => {
    if (msg.sidecarUrl) return void (sidecarUrl = msg.sidecarUrl);
    if (msg.down !== undefined) return odoo.setDown(msg.down);
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
    LOG_LEVEL: "fatal",
  }) as import("../src/sidecar.js").SidecarConfig;
  // Quiet: answers fail by design while the bench takes Odoo away, and would bury the numbers.
  const log = createLogger("fatal");
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

interface Request {
  method: "GET" | "POST";
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

interface Stats {
  sent: number;
  ok: number;
  failed: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Event `n` as LINE would send it: one text message from one of the bench's clients, signed. */
function signedWebhook(n: number, secret: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    destination: "Ubench",
    events: [
      {
        type: "message",
        mode: "active",
        timestamp: Date.now(),
        source: { type: "user", userId: userId(n % USERS) },
        webhookEventId: `01BENCHX${String(n).padStart(10, "0")}`,
        deliveryContext: { isRedelivery: false },
        message: { id: String(n), type: "text", quoteToken: "q", text: `bench-${n} 請問我的案件進度？😀` },
      },
    ],
  });
  return { body, headers: { "content-type": "application/json", "x-line-signature": createHmac("sha256", secret).update(body).digest("base64") } };
}

/**
 * Open-loop load: requests go out evenly at `rate` whatever the answers do, and each is timed from the
 * moment it was due, so a server that stalls is charged for the requests queued behind the stall.
 */
async function paced(url: string, rate: number, seconds: number, nextRequest: () => Request): Promise<Stats> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const one = (dueAt: number, req: Request) =>
    new Promise<void>((resolve) => {
      const call = httpRequest(`${url}${req.path}`, { method: req.method, agent, headers: req.headers }, (res) => {
        res.resume();
        res.on("end", () => {
          latencies.push(performance.now() - dueAt);
          if (res.statusCode === 200) ok++;
          else failed++;
          resolve();
        });
      });
      call.on("error", () => {
        failed++;
        resolve();
      });
      call.end(req.body);
    });
  const total = rate * seconds;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  while (inFlight.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    while (inFlight.length < due) inFlight.push(one(start + (inFlight.length * 1000) / rate, nextRequest()));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((x, y) => x - y);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) / 10;
  return { sent: total, ok, failed, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

async function drive(): Promise<void> {
  const { default: autocannon } = await import("autocannon");
  const seconds = Number(process.argv[2] ?? 5);
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
  const nextWebhook = (): Request => ({ method: "POST", path: "/line/webhook", ...signedWebhook(sent++, s.lineSecret) });
  console.log(`LINE webhook acknowledgement, Odoo at ${ODOO_LATENCY_MS} ms, model at ${MODEL_LATENCY_MS / 1000} s, ${USERS} users, ${seconds} s per run`);
  const record = (label: string, rate: number, st: Stats) => {
    acknowledged += label.startsWith("webhook") ? st.ok : 0;
    console.log(
      `${label.padEnd(20)} ${String(rate).padStart(4)}/s  sent ${String(st.sent).padStart(5)}  2xx ${String(st.ok).padStart(5)}  other ${st.failed}  ` +
        `p50 ${st.p50} ms  p90 ${st.p90} ms  p99 ${st.p99} ms  max ${st.max} ms`,
    );
  };
  // autocannon's rate mode lets each connection send its share at the top of every second, so it
  // measures bursts of `rate` requests at once; its coordinated-omission correction assumes evenly
  // spaced requests and is off. The paced runs below send evenly, as LINE's traffic arrives.
  const burst = async (rate: number): Promise<Stats> => {
    const r: Result = await autocannon({
      url,
      connections: 50,
      overallRate: rate,
      duration: seconds,
      ignoreCoordinatedOmission: true,
      requests: [{ method: "POST", path: "/line/webhook", setupRequest: (req) => ({ ...req, ...signedWebhook(sent++, s.lineSecret) }) }],
    });
    return { sent: r.requests.total, ok: r["2xx"], failed: r.non2xx + r.errors, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max };
  };

  acknowledged += (await paced(url, 50, 2, nextWebhook)).ok; // warm-up: JIT, the Odoo login, SQLite's first pages
  // What this machine gives a request that does no work at all.
  record("healthz, paced", RATES.at(-1)!, await paced(url, RATES.at(-1)!, seconds, () => ({ method: "GET", path: "/healthz" })));
  for (const rate of RATES) {
    record("webhook, paced", rate, await paced(url, rate, seconds, nextWebhook));
    record("webhook, autocannon", rate, await burst(rate));
  }
  // The same load while Odoo is unreachable: the sidecar only accepts and keeps (the intake backs off),
  // which shows the acknowledgement path without the stand-in's CPU competing on this machine.
  stand.send({ down: true });
  for (const rate of RATES) record("webhook, Odoo down", rate, await paced(url, rate, seconds, nextWebhook));
  stand.send({ down: false });

  // Every acknowledged event must reach Odoo once: wait for the outbox to drain, as long as it moves.
  console.log(`waiting for ${acknowledged} events to reach Odoo…`);
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
  side.send("stop");
  const loop = (await next(side, "loop")) as Extract<Reply, { type: "loop" }>;
  console.log(`sidecar event-loop delay over the whole run: p50 ${loop.p50} ms, p99 ${loop.p99} ms, max ${loop.max} ms`);
  // A request still in flight when an autocannon run ends is accepted by the sidecar but not counted as 2xx.
  const lost = Math.max(0, acknowledged - arrived.unique);
  console.log(`outbox drained into Odoo ${drainS} s after the load stopped (the Odoo stand-in's own CPU sets that pace)`);
  console.log(
    `acknowledged ${acknowledged} (2xx); in Odoo ${arrived.total} client messages, ${arrived.unique} distinct; ` +
      `lost ${lost}; duplicated ${arrived.total - arrived.unique}; accepted after autocannon stopped counting ${Math.max(0, arrived.unique - acknowledged)}`,
  );
  stand.kill();
  rmSync(s.dataDir, { recursive: true, force: true });
  process.exit(lost === 0 && arrived.total === arrived.unique ? 0 : 1);
}

const [role, settings, env] = process.argv.slice(2);
if (role === "standins") await standins(JSON.parse(settings!) as Settings);
else if (role === "sidecar") await sidecar(JSON.parse(settings!) as Settings, JSON.parse(env!) as Record<string, string>);
else await drive();
