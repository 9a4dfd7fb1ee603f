import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lineChannel } from "../src/channels/line/index.js";
import { loadConfig } from "../src/config.js";
import { signBody, SIGNATURE_HEADER } from "../src/http/signature.js";
import { createLogger } from "../src/logger.js";
import { OdooClient } from "../src/odoo/client.js";
import { buildSidecar, type SidecarConfig } from "../src/sidecar.js";
import { FakeLinePlatform, WebhookEvents } from "./fakes/line-platform.js";
import { FakeOpenAI } from "./fakes/openai-server.js";
import { eventually } from "./helpers/dovecot.js";

/**
 * Opt-in: the LINE path against a REAL Odoo 18 with `lexreply` and a bridge installed with demo data
 * (its demo client has a LINE id):
 *
 *   REAL_ODOO_URL=http://127.0.0.1:8069 REAL_ODOO_DB=<db> [REAL_ODOO_ADMIN_PASSWORD=admin] npx mocha test/line-real-odoo.test.ts
 *
 * A LINE message → lexreply_line_intake → the addon's /ask → the answer on LINE once, recorded by
 * lexreply_apply; under review, Approve & send → the addon's /line/deliver → one push; a replayed /ask
 * body is refused by /line/deliver. Points lexreply.sidecar_url at a sidecar it starts (put back after).
 */
const odooUrl = process.env.REAL_ODOO_URL;
const odooDb = process.env.REAL_ODOO_DB;

describe("LINE → a real Odoo 18 (opt-in: REAL_ODOO_URL, REAL_ODOO_DB)", function () {
  this.timeout(90_000);

  it("answers once on LINE, delivers an approved draft once, refuses a replayed /ask body", async function () {
    if (!odooUrl || !odooDb) {
      console.log("    skipped: set REAL_ODOO_URL and REAL_ODOO_DB to run the LINE path against a real Odoo 18 with the addon");
      return this.skip();
    }
    const run = Date.now().toString(36);
    const admin = new OdooClient({ url: odooUrl, db: odooDb, login: "admin", apiKey: process.env.REAL_ODOO_ADMIN_PASSWORD ?? "admin", timeoutMs: 30_000 });
    const [client] = await admin.executeKw<{ id: number; lexreply_line_user_id: string }[]>("res.partner", "search_read", [[["lexreply_line_user_id", "!=", false]]], {
      fields: ["lexreply_line_user_id"],
      limit: 1,
    });
    if (!client) return this.skip();
    const uid = client.lexreply_line_user_id;
    const [bot] = await admin.executeKw<{ id: number }[]>("res.users", "search_read", [[["login", "=", "lexreply-bot"]]], { fields: ["id"] });
    const botPassword = `line-check-${run}`;
    await admin.executeKw("res.users", "write", [[bot!.id], { password: botPassword }]);
    const teams = await admin.executeKw<{ id: number; lexreply_policy: string }[]>("helpdesk.ticket.team", "search_read", [[["lexreply_enabled", "=", true]]], { fields: ["lexreply_policy"] });
    const setPolicy = (policy: string) => admin.executeKw("helpdesk.ticket.team", "write", [teams.map((t) => t.id), { lexreply_policy: policy }]);
    // Earlier runs on this database leave open LINE tickets; this run starts on a new one.
    const closeOpen = async () => {
      const open = await admin.executeKw<number[]>("helpdesk.ticket", "search", [[["partner_id", "=", client.id], ["lexreply_channel", "=", "line"], ["lexreply_state", "in", ["pending", "answering"]]]]);
      if (open.length) await admin.executeKw("helpdesk.ticket", "write", [open, { lexreply_state: "escalated" }]);
    };
    await closeOpen();

    const line = await new FakeLinePlatform().start();
    const events = new WebhookEvents(line);
    const model = await new FakeOpenAI().start();
    const secret = `real-line-secret-${run}`;
    const dataDir = mkdtempSync(join(tmpdir(), "lexreply-real-line-"));
    const config = loadConfig({
      ODOO_URL: odooUrl, ODOO_DB: odooDb, ODOO_API_KEY: botPassword, ASK_SECRET: secret,
      LLM_MODE: "openai", OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: model.baseURL, DATA_DIR: dataDir,
      LINE_CHANNEL_SECRET: line.channelSecret, LINE_CHANNEL_ACCESS_TOKEN: line.accessToken, LINE_API_BASE_URL: line.apiURL, LINE_DATA_API_BASE_URL: line.dataURL,
    }) as SidecarConfig;
    const log = createLogger("fatal");
    const { app, core, plugins } = buildSidecar(config, log, (c) => lineChannel(config, c, log));
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const params = ["lexreply.sidecar_url", "lexreply.ask_secret", "lexreply.autoreply_cap"];
    const before = await Promise.all(params.map((k) => admin.executeKw<string | false>("ir.config_parameter", "get_param", [k])));
    const ask = async (text: string) => {
      const body = events.body("Udestination", [events.text(uid, text)]);
      const res = await fetch(`${url}/line/webhook`, { method: "POST", headers: { "content-type": "application/json", "x-line-signature": line.sign(body) }, body });
      assert.equal(res.status, 200);
      let ticket: { id: number; lexreply_state: string; messageId: number } | undefined;
      await eventually(async () => {
        const [m] = await admin.executeKw<{ id: number; res_id: number }[]>("mail.message", "search_read", [[["model", "=", "helpdesk.ticket"], ["body", "ilike", text]]], { fields: ["res_id"], limit: 1 });
        assert.ok(m, "posted by the intake");
        const [t] = await admin.executeKw<{ id: number; lexreply_state: string }[]>("helpdesk.ticket", "read", [[m.res_id]], { fields: ["lexreply_state"] });
        ticket = { ...t!, messageId: m.id };
        assert.ok(["sent", "draft", "escalated"].includes(ticket!.lexreply_state), `state ${ticket!.lexreply_state}`);
      }, 40_000);
      return ticket!;
    };
    try {
      await admin.executeKw("ir.config_parameter", "set_param", ["lexreply.sidecar_url", url]);
      await admin.executeKw("ir.config_parameter", "set_param", ["lexreply.ask_secret", secret]);
      await admin.executeKw("ir.config_parameter", "set_param", ["lexreply.autoreply_cap", "1000"]);
      await plugins.start?.();

      await setPolicy("auto");
      const answered = await ask(`請問我的案件進度？ ${run}-a`);
      await eventually(() => assert.equal(line.deliveries(uid).length, 1), 10_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(line.deliveries(uid).length, 1, "answered once on LINE");
      assert.equal(answered.lexreply_state, "sent");
      const executions = await admin.executeKw<unknown[]>("lexreply.execution", "search_read", [[["ticket_id", "=", answered.id], ["message_id", "=", answered.messageId]]], { fields: ["outcome"] });
      assert.equal(executions.length, 1);

      await setPolicy("review");
      const held = await ask(`請問我的案件進度？ ${run}-b`);
      assert.equal(held.lexreply_state, "draft");
      {
        const sentBefore = line.deliveries(uid).length;
        await admin.executeKw("helpdesk.ticket", "action_lexreply_approve", [[held.id]]);
        await eventually(async () => {
          const [t] = await admin.executeKw<{ lexreply_state: string }[]>("helpdesk.ticket", "read", [[held.id]], { fields: ["lexreply_state"] });
          assert.equal(t!.lexreply_state, "sent");
        }, 20_000);
        assert.equal(line.deliveries(uid).length, sentBefore + 1, "the approved draft was pushed once");
        assert.equal(line.deliveries(uid).at(-1)!.method, "push");
        const again = JSON.stringify({ action: "deliver", ticket_id: held.id, db: odooDb });
        const second = await fetch(`${url}/line/deliver`, { method: "POST", headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signBody(secret, again) }, body: again });
        assert.equal(second.status, 409, "a second deliver sends nothing");
        assert.equal(line.deliveries(uid).length, sentBefore + 1);
      }
      const replayed = JSON.stringify({ ticket_id: held.id, message_id: 1, db: odooDb });
      const refused = await fetch(`${url}/line/deliver`, { method: "POST", headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signBody(secret, replayed) }, body: replayed });
      assert.equal(refused.status, 400);
    } finally {
      for (const t of teams) await admin.executeKw("helpdesk.ticket.team", "write", [[t.id], { lexreply_policy: t.lexreply_policy }]);
      for (const [i, k] of params.entries()) await admin.executeKw("ir.config_parameter", "set_param", [k, before[i] || ""]);
      await plugins.stop?.();
      await core.jobs.drain();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await Promise.all([line.close(), model.close()]);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
