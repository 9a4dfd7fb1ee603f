import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { OdooClient } from "../src/odoo/client.js";
import { ADMIN_PASSWORD, seedSampleFirm, signedAskCaller, startOdooStandin, type OdooStandin, type SampleFirm } from "../src/standin/odoo/index.js";
import { FakeOpenAI } from "./fakes/openai-server.js";

const ROOT = resolve(import.meta.dirname, "..");
// By absolute URL, so a child started in another folder (to read that folder's .env) still finds tsx.
const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const SIDECAR = join(ROOT, "src/main.ts");
const CLI = join(ROOT, "src/cli/bin.ts");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A TypeScript entry point as a process, with only the given settings (and the given working folder). */
function run(entry: string, args: string[], env: Record<string, string>, cwd = ROOT): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, ["--import", TSX, entry, ...args], { cwd, env: { PATH: process.env.PATH!, LOG_LEVEL: "warn", ...env }, timeout: 25_000 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

/** The sidecar as a long-running process: resolves once it logs that it listens. */
function startSidecar(env: Record<string, string>, cwd = ROOT): Promise<{ child: ChildProcess; logs: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ["--import", TSX, SIDECAR], { cwd, env: { PATH: process.env.PATH!, LOG_LEVEL: "info", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return new Promise((resolveStart, reject) => {
    const poll = setInterval(() => {
      if (!out.includes("LexReply sidecar listening")) return;
      clearInterval(poll);
      resolveStart({ child, logs: () => out, exited });
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      reject(new Error(`the sidecar exited with ${code}:\n${out}`));
    });
  });
}

const freePort = () =>
  new Promise<number>((r) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => r(port));
    });
  });

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

describe("lexreply as a process", function () {
  this.timeout(60_000);
  let odoo: OdooStandin;
  let firm: SampleFirm;
  let model: FakeOpenAI;
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "lexreply-process-"));
    dirs.push(dir);
    return dir;
  };
  const production = () => ({
    ODOO_URL: odoo.url,
    ODOO_DB: odoo.db,
    ODOO_API_KEY: odoo.botPassword,
    ASK_SECRET: "process-test-secret-0123",
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: model.baseURL,
    DATA_DIR: tempDir(),
  });

  before(async () => {
    odoo = await startOdooStandin({ seed: (store) => void (firm = seedSampleFirm(store)) });
    model = await new FakeOpenAI().start();
  });
  after(async () => {
    await model.close();
    await odoo.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("doctor with a wrong API key exits 1 and says which setting to fix", async () => {
    const r = await run(CLI, ["doctor"], { ...production(), ODOO_API_KEY: "wrong", LLM_MODE: "templates", LOG_LEVEL: "fatal" });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✘ Odoo login[\s\S]*fix: set ODOO_API_KEY/);
  });

  it("bin/lexreply.js --version prints the package's version", async () => {
    const r = await new Promise<Run>((done) =>
      execFile(process.execPath, ["bin/lexreply.js", "--version"], { cwd: ROOT }, (err, stdout, stderr) => done({ code: err ? 1 : 0, stdout, stderr })),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  describe("a start that cannot go on: exit 1 and one line saying why", () => {
    it("the port is in use", async () => {
      const busy: Server = createServer().listen(0, "127.0.0.1");
      await new Promise((r) => busy.once("listening", r));
      const port = (busy.address() as AddressInfo).port;
      try {
        const r = await run(SIDECAR, [], { ...production(), HOST: "127.0.0.1", PORT: String(port) });
        assert.equal(r.code, 1);
        assert.deepEqual(lines(r.stderr), [`lexreply: cannot listen on 127.0.0.1:${port}: the port is in use by another process: stop it or set PORT (EADDRINUSE)`]);
        assert.doesNotMatch(r.stdout, /listening/);
      } finally {
        busy.close();
      }
    });

    it("HOST is not an address of this machine", async () => {
      const r = await run(SIDECAR, [], { ...production(), HOST: "192.0.2.77", PORT: String(await freePort()) });
      assert.equal(r.code, 1);
      assert.match(lines(r.stderr).join("\n"), /^lexreply: cannot listen on 192\.0\.2\.77:\d+: this machine has no such address/);
      assert.equal(lines(r.stderr).length, 1);
    });

    it("ODOO_URL has no scheme", async () => {
      const r = await run(SIDECAR, [], { ...production(), ODOO_URL: "odoo:8069" });
      assert.equal(r.code, 1);
      assert.deepEqual(lines(r.stderr), ['lexreply: ODOO_URL: must start with http:// or https:// and name a host, e.g. http://odoo:8069 (got "odoo:8069")']);
    });

    it("production settings without ODOO_URL (mistyped) start no sandbox", async () => {
      const { ODOO_URL, ...rest } = production();
      const r = await run(SIDECAR, [], { ...rest, ODOO_URl: ODOO_URL, LINE_CHANNEL_SECRET: "s", LINE_CHANNEL_ACCESS_TOKEN: "t" });
      assert.equal(r.code, 1);
      assert.equal(lines(r.stderr).length, 1, r.stderr);
      assert.match(r.stderr, /^lexreply: ODOO_URL: is not set, but ODOO_DB, ODOO_API_KEY, ASK_SECRET, LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, ODOO_URl are: a production start needs ODOO_URL \(ODOO_URl is set: did you mean ODOO_URL\?\)/);
      assert.doesNotMatch(r.stdout, /sandbox/);
    });

    it("doctor refuses the same URL before printing any ✔", async () => {
      const r = await run(CLI, ["doctor"], { ...production(), ODOO_URL: "odoo:8069", LOG_LEVEL: "fatal" });
      assert.equal(r.code, 1);
      assert.doesNotMatch(r.stdout, /✔/);
      assert.match(r.stdout, /^✘ configuration: ODOO_URL: must start with http:\/\/ or https:\/\//);
    });
  });

  it("reads .env from its folder (the environment winning) and, with Odoo down, is not ready and says why", async () => {
    const dir = tempDir();
    const port = await freePort();
    const down = await freePort();
    const env = production();
    writeFileSync(
      join(dir, ".env"),
      [`ODOO_URL=http://127.0.0.1:${down}`, `ODOO_DB=firm`, `ODOO_API_KEY=key`, `ASK_SECRET=${env.ASK_SECRET}`, `PORT=1`, `HOST=127.0.0.1`, `LLM_MODE=templates`, `DATA_DIR=${env.DATA_DIR}`].join("\n"),
    );
    const sidecar = await startSidecar({ PORT: String(port) }, dir);
    try {
      assert.doesNotMatch(sidecar.logs(), /sandbox/);
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { status: "not ready", reason: "Odoo cannot be reached (check ODOO_URL and that Odoo is running)" });
    } finally {
      sidecar.child.kill("SIGTERM");
      await sidecar.exited;
    }
  });

  it("logs readable lines on a terminal (JSON lines otherwise, as the other tests read them)", async function () {
    // util-linux `script` gives the sidecar a pseudo-terminal as stdout.
    if (!existsSync("/usr/bin/script")) this.skip();
    const port = await freePort();
    const command = `${process.execPath} --import ${TSX} ${SIDECAR}`;
    const child = spawn("/usr/bin/script", ["-qec", command, "/dev/null"], {
      env: { PATH: process.env.PATH!, PORT: String(port), DATA_DIR: tempDir(), LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so the sidecar under `script` stops with it.
      detached: true,
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    try {
      while (!out.includes("LexReply sidecar listening")) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, /^\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*: .*sandbox mode/m);
      assert.doesNotMatch(out, /"level":30/);
    } finally {
      process.kill(-child.pid!, "SIGTERM");
    }
  });

  it("on SIGTERM finishes the answer in flight before it exits", async () => {
    const port = await freePort();
    const env = production();
    const sidecar = await startSidecar({ ...env, HOST: "127.0.0.1", PORT: String(port) });
    odoo.onClientMessage(signedAskCaller(`http://127.0.0.1:${port}`, env.ASK_SECRET));
    try {
      const asked = model.requests.length;
      model.enqueue({ kind: "answer", answer: "您的案件 2026-FAM-0012 目前依卷宗記載進行中。", case_numbers: ["2026-FAM-0012"], delayMs: 1500 });
      const admin = new OdooClient({ url: odoo.url, db: odoo.db, login: "admin", apiKey: ADMIN_PASSWORD, timeoutMs: 5000 });
      const meiling = firm.clients.meiling.partnerId;
      const ticketId = await admin.executeKw<number>("helpdesk.ticket", "create", [{ name: "進度", description: "進度？", partner_id: meiling, team_id: firm.teams.clientService, lexreply_channel: "email" }]);
      await admin.executeKw("helpdesk.ticket", "message_post", [[ticketId]], { body: "我的案件進度？", author_id: meiling, message_type: "email", subtype_xmlid: "mail.mt_comment" });
      while (model.requests.length === asked) await new Promise((r) => setTimeout(r, 20));
      sidecar.child.kill("SIGTERM");
      assert.equal(await sidecar.exited, 0);
      assert.equal(odoo.store.row("helpdesk.ticket", ticketId)!.lexreply_state, "sent", sidecar.logs());
      assert.match(sidecar.logs(), /waiting for the answers in flight[\s\S]*"stopped"/);
    } finally {
      odoo.onClientMessage(null);
      sidecar.child.kill("SIGKILL");
    }
  });
});
