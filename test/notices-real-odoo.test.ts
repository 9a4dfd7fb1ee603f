import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lineChannel } from "../src/channels/line/index.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { OdooClient } from "../src/odoo/client.js";
import { buildSidecar, type SidecarConfig } from "../src/sidecar.js";
import { FakeLinePlatform } from "./fakes/line-platform.js";
import { FakeOpenAI } from "./fakes/openai-server.js";
import { eventually } from "./helpers/dovecot.js";

/**
 * Opt-in: notices against a REAL Odoo 18 with `lexreply` installed (a throwaway database):
 *
 *   REAL_ODOO_URL=http://127.0.0.1:8069 REAL_ODOO_DB=<db> [REAL_ODOO_ADMIN_PASSWORD=admin] npx mocha --spec test/notices-real-odoo.test.ts
 *
 * It starts a sidecar (with a stand-in LINE), points `lexreply.sidecar_url`/`ask_secret` at it, sets the
 * notice policy to auto and the reminder days to 3 (and puts all four back), and creates a few contacts,
 * matters and updates: the addon's own trigger and cron call /notify.
 */
const odooUrl = process.env.REAL_ODOO_URL;
const odooDb = process.env.REAL_ODOO_DB;
const PARAMS = ["lexreply.sidecar_url", "lexreply.ask_secret", "lexreply.notice_policy", "lexreply.reminder_days"];

describe("notices → a real Odoo 18 (opt-in: REAL_ODOO_URL, REAL_ODOO_DB)", function () {
  this.timeout(60_000);
  const run = Date.now().toString(36);
  let admin: OdooClient;
  let line: FakeLinePlatform;
  let model: FakeOpenAI;
  let server: Server | undefined;
  let dataDir: string;
  let saved: Record<string, string | false> = {};

  const setParam = (key: string, value: string | false) => admin.executeKw("ir.config_parameter", "set_param", [key, value]);
  const create = async (modelName: string, vals: Record<string, unknown>) => {
    const id = await admin.executeKw<number | number[]>(modelName, "create", [vals]);
    return Array.isArray(id) ? id[0]! : id;
  };

  before(async function () {
    if (!odooUrl || !odooDb) {
      console.log("    skipped: set REAL_ODOO_URL and REAL_ODOO_DB to run notices against a real Odoo 18 with the addon");
      return this.skip();
    }
    admin = new OdooClient({ url: odooUrl, db: odooDb, login: "admin", apiKey: process.env.REAL_ODOO_ADMIN_PASSWORD ?? "admin", timeoutMs: 30_000 });
    const [bot] = await admin.executeKw<{ id: number }[]>("res.users", "search_read", [[["login", "=", "lexreply-bot"]]], { fields: ["id"] });
    const botPassword = `notices-${run}`;
    await admin.executeKw("res.users", "write", [[bot!.id], { password: botPassword }]);
    line = await new FakeLinePlatform().start();
    model = await new FakeOpenAI().start();
    dataDir = mkdtempSync(join(tmpdir(), "lexreply-notices-real-"));
    const secret = `notices-secret-${run}`;
    const config = loadConfig({
      ODOO_URL: odooUrl,
      ODOO_DB: odooDb,
      ODOO_API_KEY: botPassword,
      ASK_SECRET: secret,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: model.baseURL,
      DATA_DIR: dataDir,
      LINE_CHANNEL_SECRET: line.channelSecret,
      LINE_CHANNEL_ACCESS_TOKEN: line.accessToken,
      LINE_API_BASE_URL: line.apiURL,
    }) as SidecarConfig;
    const log = createLogger("fatal");
    const { app } = buildSidecar(config, log, (c) => lineChannel(config, c, log));
    server = await new Promise((r) => {
      const s = app.listen(0, "127.0.0.1", () => r(s));
    });
    for (const key of PARAMS) saved[key] = await admin.executeKw<string | false>("ir.config_parameter", "get_param", [key]);
    await setParam("lexreply.sidecar_url", `http://127.0.0.1:${(server!.address() as AddressInfo).port}`);
    await setParam("lexreply.ask_secret", secret);
    await setParam("lexreply.notice_policy", "auto");
    await setParam("lexreply.reminder_days", "3");
  });

  after(async () => {
    if (!admin) return;
    for (const [key, value] of Object.entries(saved)) await setParam(key, value);
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
    }
    await Promise.all([line.close(), model.close()]);
    rmSync(dataDir, { recursive: true, force: true });
    saved = {};
  });

  it("a client-visible update reaches a linked client on LINE naming the matter and the update; an internal one sends nothing", async () => {
    const uid = `U${run.padEnd(32, "0")}`;
    const partner = await create("res.partner", { name: `陳測試 ${run}`, email: `line.${run}@example.tw`, lang: "zh_TW", lexreply_line_user_id: uid });
    const caseId = await create("legal.case", { name: `離婚事件 ${run}`, partner_id: partner, case_type: "family", state: "hearing_scheduled" });
    const [matter] = await admin.executeKw<{ number: string }[]>("legal.case", "read", [[caseId], ["number"]]);
    const number = matter!.number;
    await create("legal.case.update", { case_id: caseId, summary: `對造律師來電 ${run}`, client_visible: false });
    const updateId = await create("legal.case.update", { case_id: caseId, summary: `法院已排定言詞辯論期日 ${run}`, client_visible: true });
    await eventually(async () => assert.equal(line.deliveries(uid).length, 1), 15_000);
    const text = line.deliveries(uid)[0]!.texts.join("");
    assert.ok(text.includes(number) && text.includes(`法院已排定言詞辯論期日 ${run}`), text);
    assert.ok(!text.includes("對造律師來電"), "the internal update stays in Odoo");
    // pushed first, then recorded
    await eventually(async () => {
      const notices = await admin.executeKw<{ key: string; state: string; delivered: string }[]>("lexreply.notice", "search_read", [[["case_id", "=", caseId]]], {
        fields: ["key", "state", "delivered"],
      });
      assert.deepEqual(notices.map((n) => [n.key, n.state, n.delivered]), [[`update:${updateId}`, "sent", "push"]]);
    }, 15_000);
  });

  it("under review a notice waits for a person; approved, it is pushed on LINE and recorded sent", async () => {
    await setParam("lexreply.notice_policy", "review");
    const uid = `U${run.padEnd(31, "0")}r`;
    const partner = await create("res.partner", { name: `審核測試 ${run}`, email: `review.${run}@example.tw`, lang: "zh_TW", lexreply_line_user_id: uid });
    const caseId = await create("legal.case", { name: `給付工程款 ${run}`, partner_id: partner, case_type: "civil" });
    await create("legal.case.update", { case_id: caseId, summary: `對造已提出答辯狀 ${run}`, client_visible: true });
    const notices = () =>
      admin.executeKw<{ state: string; delivered: string | false; client_text: string }[]>("lexreply.notice", "search_read", [[["case_id", "=", caseId]]], {
        fields: ["state", "delivered", "client_text"],
      });
    await eventually(async () => assert.equal((await notices())[0]?.state, "draft"), 15_000);
    assert.equal(line.deliveries(uid).length, 0, "nothing before the approval");
    await admin.executeKw("legal.case", "action_lexreply_approve_notices", [[caseId]]);
    await eventually(async () => assert.deepEqual((await notices()).map((n) => [n.state, n.delivered]), [["sent", "push"]]), 15_000);
    assert.equal(line.deliveries(uid).length, 1);
    assert.equal(line.deliveries(uid)[0]!.texts.join(""), (await notices())[0]!.client_text);
    await setParam("lexreply.notice_policy", "auto");
  });

  it("a reminder e-mail 3 days before, once; a moved date is a new one", async () => {
    const partner = await create("res.partner", { name: `Reminder Client ${run}`, email: `reminder.${run}@example.com`, lang: "en_US" });
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    const caseId = await create("legal.case", { name: `Hearing ${run}`, partner_id: partner, state: "hearing_scheduled", next_event_date: inDays(3), next_event: "2:30 pm hearing" });
    const [cron] = await admin.executeKw<{ res_id: number }[]>("ir.model.data", "search_read", [[["module", "=", "lexreply"], ["name", "=", "ir_cron_lexreply_reminders"]]], {
      fields: ["res_id"],
    });
    const comments = () =>
      admin.executeKw<{ id: number; body: string }[]>(
        "mail.message",
        "search_read",
        [[["model", "=", "legal.case"], ["res_id", "=", caseId], ["subtype_id", "=", "Discussions"], ["message_type", "=", "comment"]]],
        { fields: ["body"] },
      );
    await admin.executeKw("ir.cron", "method_direct_trigger", [[cron!.res_id]]);
    await eventually(async () => assert.equal((await comments()).length, 1), 15_000);
    const [comment] = await comments();
    assert.match(comment!.body, new RegExp(`A reminder[\\s\\S]*Hearing ${run}[\\s\\S]*2:30 pm hearing`));
    const mails = await admin.executeKw<{ headers: string | false }[]>("mail.mail", "search_read", [[["mail_message_id", "=", comment!.id]]], { fields: ["headers"] });
    // one per recipient group (the client; the lawyer following the matter): every one automatic
    assert.ok(mails.length > 0 && mails.every((m) => String(m.headers).includes("'Auto-Submitted': 'auto-replied'")), JSON.stringify(mails));
    await admin.executeKw("ir.cron", "method_direct_trigger", [[cron!.res_id]]);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await comments()).length, 1, "never twice for the same date");
    await admin.executeKw("legal.case", "write", [[caseId], { next_event_date: inDays(2) }]);
    await admin.executeKw("ir.cron", "method_direct_trigger", [[cron!.res_id]]);
    await eventually(async () => assert.equal((await comments()).length, 2), 15_000);
  });
});
