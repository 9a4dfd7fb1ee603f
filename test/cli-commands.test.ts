import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { main } from "../src/cli/main.js";
import { startOdooStandin, type OdooStandin } from "../src/standin/odoo/index.js";
import { FakeLinePlatform } from "./fakes/line-platform.js";
import { FakeOpenAI } from "./fakes/openai-server.js";

/** Runs `lexreply …` in-process with these settings; stdout and stderr are kept apart. */
async function lexreply(args: string[], env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const sink = (add: (s: string) => void) => new Writable({ write: (chunk, _e, done) => (add(chunk.toString()), done()) });
  const code = await main(args, { env: { LOG_LEVEL: "fatal", ...env }, stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
  return { code, stdout, stderr };
}

/** A mail server that only says hello, which is all `doctor` asks of IMAP and SMTP. */
async function greeter(line: string): Promise<{ url: (scheme: string) => string; close: () => Promise<void> }> {
  const server: Server = createServer((s) => s.end(`${line}\r\n`));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return { url: (scheme) => `${scheme}://user:pw@127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

const TEMPLATES = { LLM_MODE: "templates" };

describe("lexreply CLI", function () {
  this.timeout(20_000);
  let odoo: OdooStandin;
  let model: FakeOpenAI;
  let env: Record<string, string>;

  before(async () => {
    odoo = await startOdooStandin();
    model = await new FakeOpenAI().start();
    env = { ODOO_URL: odoo.url, ODOO_DB: odoo.db, ODOO_API_KEY: odoo.botPassword, ASK_SECRET: "cli-test-secret-0123456789", OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: model.baseURL };
  });
  after(async () => {
    await model.close();
    await odoo.close();
  });

  describe("doctor", () => {
    it("passes against the stand-ins: every check ✔, exit 0", async () => {
      const imap = await greeter("* OK [CAPABILITY IMAP4rev1] ready");
      const smtp = await greeter("220 mail.example ESMTP");
      try {
        const r = await lexreply(["doctor"], { ...env, IMAP_URL: `${imap.url("imap")}/INBOX`, SMTP_URL: smtp.url("smtp"), STAFF_EMAIL: "staff@example.tw" });
        assert.equal(r.code, 0, r.stdout);
        assert.doesNotMatch(r.stdout, /✘/);
        for (const check of ["Odoo reachable", "Odoo login", "LexReply addon installed", "can read tickets and matters", "cannot read internal notes", "model reachable", "IMAP mailbox", "SMTP"]) {
          assert.match(r.stdout, new RegExp(`✔ [^\\n]*${check}`), check);
        }
        assert.match(r.stdout, /gpt-5 answered/);
        assert.match(r.stdout, /✔ all checks passed/);
      } finally {
        await imap.close();
        await smtp.close();
      }
    });

    it("with nothing configured checks the built-in sample firm and says so", async () => {
      const r = await lexreply(["doctor"], {});
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stderr, /no production setting: using a built-in Odoo stand-in with the sample firm/);
      assert.match(r.stdout, /✔ configuration: sandbox mode/);
      assert.match(r.stdout, /✔ model reachable: template-only answers/);
    });

    it("names a wrong password with its fix and exits non-zero; what needs the login is skipped", async () => {
      const r = await lexreply(["doctor"], { ...env, ODOO_API_KEY: "not-the-key" });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /✘ Odoo login: Odoo refused the login of "lexreply-bot"/);
      assert.match(r.stdout, /fix: set ODOO_API_KEY to lexreply-bot's API key/);
      assert.match(r.stdout, /– LexReply addon installed: not checked: needs "Odoo login" first/);
    });

    it("names an unreachable Odoo, a refused model key and a bad configuration", async () => {
      model.enqueue({ kind: "status", status: 401, message: "Incorrect API key provided" });
      const down = await lexreply(["doctor"], { ...env, ODOO_URL: "http://127.0.0.1:9", ODOO_TIMEOUT_MS: "500" });
      assert.equal(down.code, 1);
      assert.match(down.stdout, /✘ Odoo reachable: .*could not be reached/);
      assert.match(down.stdout, /✘ model reachable: .*401[\s\S]*fix: OPENAI_API_KEY was refused/);
      const bad = await lexreply(["doctor"], { ODOO_URL: "http://odoo:8069" });
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /✘ configuration: ODOO_DB: is required/);
      assert.doesNotMatch(bad.stdout, /✔/, "nothing is ✔ before the configuration is right");
    });
    it("warns of a model shutting down within 30 days and of a setting that is none, and fails on a model the API no longer knows", async () => {
      const soon = new Date(Date.now() + 9 * 86_400_000).toISOString().slice(0, 10);
      model.models.set("gpt-5", { shutdown_date: soon });
      try {
        const r = await lexreply(["doctor"], { ...env, LLM_MODLE: "gpt-5.1" });
        assert.equal(r.code, 0, r.stdout);
        assert.match(r.stdout, /^! configuration: LLM_MODLE: is not a LexReply setting and is ignored \(did you mean LLM_MODEL\?\)$/m);
        assert.match(r.stdout, new RegExp(`^! model lifetime: The model gpt-5 shuts down on ${soon} \\(in 9 days\\)`, "m"));
        model.models.set("gpt-5", null);
        const gone = await lexreply(["doctor"], env);
        assert.equal(gone.code, 1);
        assert.match(gone.stdout, /^✘ model lifetime: the API no longer offers gpt-5\n {4}fix: set LLM_MODEL to its successor/m);
      } finally {
        model.models.clear();
      }
    });

    it("names a LINE token that LINE refuses", async () => {
      const line = await new FakeLinePlatform().start();
      try {
        const r = await lexreply(["doctor"], { ...env, ...TEMPLATES, LINE_CHANNEL_SECRET: line.channelSecret, LINE_CHANNEL_ACCESS_TOKEN: "revoked-token", LINE_API_BASE_URL: line.apiURL });
        assert.equal(r.code, 1);
        assert.match(r.stdout, /✘ LINE channel: .*401[\s\S]*fix: LINE refused LINE_CHANNEL_ACCESS_TOKEN/);
      } finally {
        await line.close();
      }
    });
  });

  describe("ask", () => {
    it("prints prompt, answer, verdict, tokens and cost, and posts nothing to Odoo", async () => {
      const before = odoo.calls.length;
      const r = await lexreply(["ask", "--partner", "meiling.chen@example.tw", "--channel", "line", "我的案件進度如何？"], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /── prompt: user[\s\S]*案號：2026-FAM-0012/);
      assert.match(r.stdout, /── answer \(gpt-5-2025-08-07, \d+ ms\)/);
      assert.match(r.stdout, /── check ─+\npassed · facts stated: 2026-FAM-0012/);
      assert.match(r.stdout, /sent to the client:\n陳美玲 您好，/);
      assert.match(r.stdout, /tokens in \d+ \(cached \d+\) \/ out \d+ · estimated cost \$0\.\d+/);
      const calls = odoo.calls.slice(before);
      assert.ok(calls.length > 0);
      assert.deepEqual(calls.filter((c) => ["write", "create", "message_post", "activity_schedule", "unlink"].includes(c.ormMethod ?? "")), []);
    });

    it("answers a ticket's newest client message again, and an unknown sender is not identified", async () => {
      const ticket = await lexreply(["ask", "--ticket", "1"], { ...env, ...TEMPLATES });
      assert.equal(ticket.code, 0, ticket.stderr);
      assert.match(ticket.stdout, /client: 林志明 .* channel email/);
      assert.match(ticket.stdout, /2026-CIV-0007/);
      const stranger = await lexreply(["ask", "--partner", "shared@example.tw", "進度？"], { ...env, ...TEMPLATES });
      assert.match(stranger.stdout, /no client identified: the address shared@example.tw belongs to 2 partners/);
    });

    it("wants exactly one of --ticket and --partner", async () => {
      const r = await lexreply(["ask", "hello"], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /give either --ticket N or --partner EMAIL/);
    });
  });

  describe("eval", () => {
    const files = ["eval/golden-zh-TW.yaml", "eval/golden-en.yaml"];

    it("runs the shipped golden sets in template mode: a table and totals, nothing invented", async () => {
      const r = await lexreply(["eval", ...files], TEMPLATES);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /^\s+id\s+client\s+ch\s+question\s+outcome\s+facts\s+invented\s+ms\s+tokens$/m);
      assert.match(r.stdout, /questions\s+33 \(33 passed\)/);
      assert.match(r.stdout, /answered\s+27\n/);
      assert.match(r.stdout, /held for review\s+6\n/);
      assert.match(r.stdout, /correct facts\s+23\/23/);
      assert.match(r.stdout, /invented facts\s+0\n/);
      assert.match(r.stdout, /without a person 81\.8% \(27\/33\)\n/);
      assert.match(r.stdout, /estimated cost\s+\$0\.00000 · \$0\.00000 per answer/);
      assert.match(r.stderr, /eval \[33\/33\] en-16/, "progress, one line per question when stderr is not a terminal");
    });

    it("--json gives the totals for machines (--sample-firm despite ODOO_URL); a model that invents a date is counted and exits 1", async () => {
      const run = await lexreply(["eval", "--json", "--sample-firm", files[1]!], { ...env, ...TEMPLATES });
      assert.match(run.stderr, /not using ODOO_URL: using a built-in Odoo stand-in with the sample firm/);
      const json = JSON.parse(run.stdout);
      assert.equal(json.totals.items, 16);
      assert.equal(json.totals.inventedFacts, 0);
      assert.equal(json.items[0].id, "en-01");

      const dir = mkdtempSync(join(tmpdir(), "lexreply-golden-"));
      try {
        const file = join(dir, "one.yaml");
        writeFileSync(file, "items:\n  - id: x\n    client: emily.carter@example.com\n    question: When is my hearing?\n    must_state: [2026-CON-0003]\n");
        model.enqueue({ kind: "answer", answer: "Your matter 2026-CON-0003 has a hearing on 2031-01-05.", case_numbers: ["2026-CON-0003"], dates: ["2031-01-05"] });
        const r = await lexreply(["eval", file], env);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /x: states date "2031-01-05" does not appear in the matter's facts/);
        assert.match(r.stdout, /escalated \(review\)/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("prints the share answered without a person and the cost at gpt-5's list prices, in total and per answer", async () => {
      const dir = mkdtempSync(join(tmpdir(), "lexreply-golden-"));
      try {
        const file = join(dir, "two.yaml");
        const item = (id: string) => `  - id: ${id}\n    client: emily.carter@example.com\n    question: How is my contract review going?\n`;
        writeFileSync(file, `policy: auto_if_grounded\nitems:\n${item("sent")}${item("held")}`);
        model.enqueue(
          { kind: "answer", answer: "Your matter 2026-CON-0003 is being reviewed.", case_numbers: ["2026-CON-0003"] },
          { kind: "answer", answer: "A person will look at this.", needs_human: true },
        );
        const r = await lexreply(["eval", file], env);
        assert.equal(r.code, 0, r.stdout);
        assert.match(r.stdout, /without a person 50\.0% \(1\/2\)\n/);
        const [, input, cached, output] = /tokens\s+in (\d+) \(cached (\d+)\) · out (\d+)/.exec(r.stdout)!.map(Number);
        assert.ok(input! > 0 && output! > 0);
        // US$ per million tokens: 1.25 fresh input, 0.125 cached input, 10 output (the addon's defaults too)
        const cost = ((input! - cached!) * 1.25 + cached! * 0.125 + output! * 10) / 1e6;
        assert.match(r.stdout, new RegExp(`estimated cost\\s+\\$${cost.toFixed(5)} · \\$${(cost / 2).toFixed(5)} per answer`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("reports a malformed golden set by file and field", async () => {
      const dir = mkdtempSync(join(tmpdir(), "lexreply-golden-"));
      try {
        writeFileSync(join(dir, "bad.yaml"), "items:\n  - id: x\n    question: hello\n");
        const r = await lexreply(["eval", join(dir, "bad.yaml")], TEMPLATES);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /bad\.yaml: items\.0\.client/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("templates check", () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "lexreply-firm-templates-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const put = (file: string, text: string) => {
      mkdirSync(join(dir, file, ".."), { recursive: true });
      writeFileSync(join(dir, file), text);
    };

    it("passes a firm's own signature", async () => {
      put("zh-TW/reply/email.hbs", "{{client_name}} 您好：\n\n{{body}}\n\n明理聯合法律事務所 客服組");
      const r = await lexreply(["templates", "check", dir], TEMPLATES);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /✔ zh-TW\/reply\/email \(yours\)/);
      assert.match(r.stdout, /✔ en\/reply\/email \(shipped\)/);
    });

    it("flags an unknown variable, a syntax error and a misspelt file name, and exits non-zero", async () => {
      put("en/reply/line.hbs", "Hi {{client_name}}\n{{body}}\n{{signature}}");
      put("zh-TW/reply/status.hbs", "{{#each matters}}{{number}}");
      put("en/reply/emial.hbs", "{{body}}");
      const r = await lexreply(["templates", "check", dir], TEMPLATES);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /✘ en\/reply\/line \(yours\): template en\/reply\/line: "signature" not defined/);
      assert.match(r.stdout, /✘ zh-TW\/reply\/status \(yours\): .*/);
      assert.match(r.stdout, /✘ en\/reply\/emial\.hbs: LexReply never renders this file/);
      assert.match(r.stdout, /✘ 3 templates to fix/);
    });
  });

  it("has --help on every command", async () => {
    for (const args of [["--help"], ["doctor", "--help"], ["ask", "--help"], ["eval", "--help"], ["templates", "check", "--help"]]) {
      const r = await lexreply(args, {});
      assert.equal(r.code, 0, args.join(" "));
      assert.match(r.stdout, /^Usage: lexreply/, args.join(" "));
    }
  });
});
