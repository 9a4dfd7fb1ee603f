/**
 * The compiled sidecar's memory (RSS): idle, and with 10,000 LINE events queued behind a slow model.
 * Target: at most 150 MB for both.
 *
 * The sidecar runs as `npm start` runs it (the command and V8 flags of package.json's `start`, on the
 * build `npm run bench:memory` makes first), in its own process, so the numbers are its own; this process holds the stand-ins (Odoo with linked
 * LINE clients, a model that takes MODEL_DELAY_MS to answer, LINE's API) and sends the webhooks.
 *
 *   npm run bench:memory            (or, once built: npx tsx bench/memory.ts [events=10000])
 */
import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { execPath } from "node:process";
import { Agent, request } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedSampleFirm, signedAskCaller, startOdooStandin } from "../src/standin/odoo/index.js";
import { FakeLinePlatform } from "../test/fakes/line-platform.js";
import { FakeOpenAI } from "../test/fakes/openai-server.js";

const EVENTS = Number(process.argv[2] ?? 10_000);
const USERS = 200;
const MODEL_DELAY_MS = 2_000;
const TARGET_MB = 150;
const SETTLE_MS = 3_000;
const userId = (i: number) => `Umemory${String(i).padStart(26, "0")}`;

if (!existsSync("dist/main.js")) {
  console.error("bench: dist/main.js is missing: run `npm run bench:memory` (it builds first)");
  process.exit(1);
}

/** The V8 heap in use, from the sidecar's own /metrics: what RSS holds beyond it is the runtime and garbage not yet collected. */
async function heapUsed(): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Math.round(Number(/^lexreply_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? 0) / 1048576);
}

/** Resident set and its peak, from the kernel, in MB. */
function rss(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { now: Math.round(kb("VmRSS") / 1024), peak: Math.round(kb("VmHWM") / 1024) };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const odoo = await startOdooStandin({
  seed: (store) => {
    seedSampleFirm(store);
    for (let i = 0; i < USERS; i++) {
      const partnerId = store.create("res.partner", { name: `Memory client ${i}`, email: `memory${i}@example.tw`, lexreply_line_user_id: userId(i) });
      store.create("legal.case", { name: `Memory matter ${i}`, number: `2026-MEM-${String(i).padStart(4, "0")}`, partner_id: partnerId, state: "in_progress" });
    }
  },
});
const model = await new FakeOpenAI().start();
model.respond = () => ({ kind: "answer", answer: "目前資料不完整。", needs_human: true, delayMs: MODEL_DELAY_MS });
const line = await new FakeLinePlatform().start();
const dataDir = mkdtempSync(join(tmpdir(), "lexreply-memory-"));
const port = await freePort();
const askSecret = randomBytes(16).toString("hex");
const url = `http://127.0.0.1:${port}`;
odoo.onClientMessage(signedAskCaller(url, askSecret));

// `node <flags> dist/main.js`, exactly as package.json starts it.
const [, ...startArgs] = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: { start: string } }).scripts.start.split(/\s+/);
const child = spawn(execPath, startArgs, {
  env: {
    PATH: process.env.PATH,
    // To try other V8 flags: BENCH_NODE_OPTIONS="--max-semi-space-size=4" npx tsx bench/memory.ts
    NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? "",
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_LEVEL: "warn",
    ODOO_URL: odoo.url,
    ODOO_DB: odoo.db,
    ODOO_API_KEY: odoo.botPassword,
    ASK_SECRET: askSecret,
    OPENAI_API_KEY: "sk-bench",
    OPENAI_BASE_URL: model.baseURL,
    LLM_TIMEOUT_MS: String(MODEL_DELAY_MS * 5),
    LINE_CHANNEL_SECRET: line.channelSecret,
    LINE_CHANNEL_ACCESS_TOKEN: line.accessToken,
    LINE_API_BASE_URL: line.apiURL,
    LINE_DATA_API_BASE_URL: line.dataURL,
    LINE_RATE_LIMIT_PER_HOUR: "100000",
    DATA_DIR: dataDir,
  },
  stdio: ["ignore", "inherit", "inherit"],
});
const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));

for (let tries = 0; ; tries++) {
  const up = await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false);
  if (up) break;
  if (tries > 300) throw new Error("the sidecar did not start within 30 s");
  await sleep(100);
}
await sleep(SETTLE_MS);
const idle = rss(child.pid!);
console.log(`idle:                         RSS ${idle.now} MB (V8 heap in use ${await heapUsed()} MB)`);

/** Event `n` as LINE sends it: one signed text message from one of the linked clients. */
function webhook(n: number): { body: string; signature: string } {
  const body = JSON.stringify({
    destination: "Umemory",
    events: [
      {
        type: "message",
        mode: "active",
        timestamp: Date.now(),
        source: { type: "user", userId: userId(n % USERS) },
        webhookEventId: `01MEMORY${String(n).padStart(10, "0")}`,
        deliveryContext: { isRedelivery: false },
        replyToken: randomBytes(16).toString("hex"),
        message: { id: String(n), type: "text", quoteToken: "q", text: `memory-${n} 請問我的案件進度？` },
      },
    ],
  });
  return { body, signature: createHmac("sha256", line.channelSecret).update(body).digest("base64") };
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });
const post = (n: number) =>
  new Promise<number>((resolve) => {
    const { body, signature } = webhook(n);
    const req = request(`${url}/line/webhook`, { method: "POST", agent, headers: { "content-type": "application/json", "x-line-signature": signature } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.end(body);
  });

const started = Date.now();
let next = 0;
let accepted = 0;
let highest = idle.now;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next < EVENTS) {
      if ((await post(next++)) === 200) accepted++;
      if (next % 500 === 0) highest = Math.max(highest, rss(child.pid!).now);
    }
  }),
);
console.log(`${accepted} of ${EVENTS} events acknowledged in ${((Date.now() - started) / 1000).toFixed(1)} s`);
// The queue drains at the model's pace: sample while it is still (almost) full.
for (let i = 0; i < 10; i++) {
  highest = Math.max(highest, rss(child.pid!).now);
  await sleep(1_000);
}
const queued = rss(child.pid!);
console.log(`with ${EVENTS} events queued:    RSS ${queued.now} MB (highest seen ${Math.max(highest, queued.now)} MB, peak ${queued.peak} MB; V8 heap in use ${await heapUsed()} MB)`);
console.log(`model requests so far: ${model.requests.length} (each takes ${MODEL_DELAY_MS} ms)`);

const over = [idle.now, Math.max(highest, queued.now)].some((mb) => mb > TARGET_MB);
console.log(over ? `✘ over the target of ${TARGET_MB} MB` : `✔ within the target of ${TARGET_MB} MB`);

// The shutdown routine: running answers finish, queued ones stay pending for Odoo's re-ask.
const stopping = Date.now();
child.kill("SIGTERM");
const code = await exited;
console.log(`stopped with exit code ${code} in ${((Date.now() - stopping) / 1000).toFixed(1)} s`);
agent.destroy();
await Promise.all([line.close(), model.close(), odoo.close()]);
rmSync(dataDir, { recursive: true, force: true });
process.exit(over || code !== 0 ? 1 : 0);
