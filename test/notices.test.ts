import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { lineChannel } from "../src/channels/line/index.js";
import { loadConfig } from "../src/config.js";
import { signBody, SIGNATURE_HEADER } from "../src/http/signature.js";
import { createLogger } from "../src/logger.js";
import { registry } from "../src/metrics.js";
import { buildSidecar, type SidecarConfig } from "../src/sidecar.js";
import { seedSampleFirm, startOdooStandin, type OdooStandin, type SampleFirm } from "../src/standin/odoo/index.js";
import { FakeLinePlatform, WebhookEvents } from "./fakes/line-platform.js";
import { FakeOpenAI } from "./fakes/openai-server.js";
import { eventually } from "./helpers/dovecot.js";
import { ASK_SECRET, standinEnv } from "./helpers/harness.js";

describe("notices: POST /notify (sidecar + Odoo stand-in + LINE stand-in)", function () {
  this.timeout(20_000);
  let odoo: OdooStandin;
  let firm: SampleFirm;
  let model: FakeOpenAI;
  let line: FakeLinePlatform;
  let server: Server;
  let url: string;
  let dataDir: string;
  let stopPlugins: () => Promise<void>;

  before(async () => {
    odoo = await startOdooStandin({ seed: (store) => void (firm = seedSampleFirm(store)) });
    model = await new FakeOpenAI().start();
    line = await new FakeLinePlatform().start();
    dataDir = mkdtempSync(join(tmpdir(), "lexreply-notices-"));
    const config = loadConfig({
      ...standinEnv(odoo, model, dataDir),
      LINE_CHANNEL_SECRET: line.channelSecret,
      LINE_CHANNEL_ACCESS_TOKEN: line.accessToken,
      LINE_API_BASE_URL: line.apiURL,
      LINE_DATA_API_BASE_URL: line.dataURL,
    }) as SidecarConfig;
    const log = createLogger("fatal");
    const { app, plugins } = buildSidecar(config, log, (c) => lineChannel(config, c, log));
    await plugins.start?.();
    stopPlugins = async () => void (await plugins.stop?.());
    server = await new Promise((r) => {
      const s = app.listen(0, "127.0.0.1", () => r(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await stopPlugins();
    await Promise.all([odoo.close(), model.close(), line.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => odoo.store.setParam("lexreply.notice_policy", "review"));

  async function notify(body: unknown, opts: { secret?: string; t?: number; raw?: string } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
    const raw = opts.raw ?? JSON.stringify(body);
    const res = await fetch(`${url}/notify`, {
      method: "POST",
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signBody(opts.secret ?? ASK_SECRET, raw, opts.t) },
      body: raw,
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  const db = () => odoo.db;
  let day = 0;
  function addUpdate(caseId: number, summary: string, visible = true): number {
    day++;
    return odoo.store.create("legal.case.update", { case_id: caseId, date: `2026-11-${String(day).padStart(2, "0")}`, summary, client_visible: visible });
  }
  const noticeOf = (key: string) => odoo.store.searchRead("lexreply.notice", [["key", "=", key]], ["state", "delivered", "client_text", "note"])[0];
  const mailsTo = (partnerId: number) =>
    odoo.store.rows("mail.mail").filter((m) => (m.recipient_ids as number[]).includes(partnerId) && String(m.headers ?? "").includes("Auto-Submitted"));
  const matterChatter = (caseId: number) =>
    odoo.store.rows("mail.message").filter((m) => m.model === "legal.case" && m.res_id === caseId).map((m) => String(m.body));

  describe("refuses what is not a notice", () => {
    it("401 for a missing, wrong or stale signature", async () => {
      const body = { db: db(), kind: "update", update_id: firm.cases.family.visibleUpdateIds[0] };
      const unsigned = await fetch(`${url}/notify`, { method: "POST", body: JSON.stringify(body) });
      assert.equal(unsigned.status, 401);
      assert.equal((await notify(body, { secret: "another-secret" })).status, 401);
      const stale = await notify(body, { t: Math.floor(Date.now() / 1000) - 600 });
      assert.equal(stale.status, 401);
      assert.match(String(stale.json.error), /stale/);
    });

    it("400 for malformed JSON, an /ask or /line/deliver body, unknown keys or kinds, a bad date, another database; 413 when huge", async () => {
      const cases: [string, unknown, RegExp][] = [
        ["/ask's body", { ticket_id: 1, message_id: 2, db: db() }, /invalid \/notify body/],
        ["/line/deliver's body", { ticket_id: 1, db: db() }, /invalid \/notify body/],
        ["an unknown key", { db: db(), kind: "update", update_id: 1, ticket_id: 1 }, /invalid/],
        ["an unknown kind", { db: db(), kind: "answer", update_id: 1 }, /invalid/],
        ["a bad date", { db: db(), kind: "reminder", case_id: 1, event_date: "next Tuesday", days: 3 }, /invalid/],
        ["a reminder without days", { db: db(), kind: "reminder", case_id: 1, event_date: "2026-12-05" }, /invalid/],
        ["another database", { db: "other", kind: "update", update_id: 1 }, /serves database/],
      ];
      for (const [what, body, reason] of cases) {
        const res = await notify(body);
        assert.equal(res.status, 400, what);
        assert.match(String(res.json.error), reason, what);
      }
      assert.equal((await notify(null, { raw: "{not json" })).status, 400);
      assert.equal((await notify(null, { raw: JSON.stringify({ db: db(), kind: "update", update_id: 1, pad: "x".repeat(1_100_000) }) })).status, 413);
      assert.equal(odoo.store.rows("lexreply.notice").length, 0, "nothing recorded");
    });

    it("404 for an internal update: it never leaves Odoo", async () => {
      const updateId = addUpdate(firm.cases.family.id, "對造律師私下來電", false);
      const res = await notify({ db: db(), kind: "update", update_id: updateId });
      assert.equal(res.status, 404);
      assert.equal(noticeOf(`update:${updateId}`), undefined);
      assert.ok(!matterChatter(firm.cases.family.id).some((b) => b.includes("對造律師私下來電")));
    });
  });

  describe("case-update notices", () => {
    it("review (the default): a draft on the matter in the client's language, nothing sent", async () => {
      const uid = firm.clients.meiling.lineUserId;
      const pushes = line.deliveries(uid).length;
      const updateId = addUpdate(firm.cases.family.id, "法院已寄發開庭通知書。");
      const res = await notify({ db: db(), kind: "update", update_id: updateId });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json.notices, [{ key: `update:${updateId}`, state: "draft", delivered: false, duplicate: false }]);
      const notice = noticeOf(`update:${updateId}`)!;
      assert.equal(notice.state, "draft");
      assert.match(String(notice.client_text), /陳美玲 您好/);
      assert.match(String(notice.client_text), /2026-FAM-0012/);
      assert.match(String(notice.client_text), /法院已寄發開庭通知書。/);
      assert.match(String(notice.client_text), /停止通知/, "a LINE client is told how to stop");
      assert.equal(line.deliveries(uid).length, pushes, "nothing pushed");
      assert.ok(matterChatter(firm.cases.family.id).some((b) => b.includes("法院已寄發開庭通知書")), "the matter's chatter holds the draft");
    });

    it("auto, LINE-linked client: pushed once with a retry key, then recorded; a repeat sends nothing", async () => {
      odoo.store.setParam("lexreply.notice_policy", "auto");
      const uid = firm.clients.meiling.lineUserId;
      const before = line.deliveries(uid).length;
      const updateId = addUpdate(firm.cases.family.id, "法院已排定言詞辯論期日。");
      const res = await notify({ db: db(), kind: "update", update_id: updateId });
      assert.deepEqual(res.json.notices, [{ key: `update:${updateId}`, state: "sent", delivered: "push", duplicate: false }]);
      const [push] = line.deliveries(uid).slice(before);
      assert.equal(push!.method, "push");
      assert.ok(push!.retryKey, "a retry key");
      assert.match(push!.texts.join(""), /2026-FAM-0012[\s\S]*法院已排定言詞辯論期日。/);
      assert.equal(noticeOf(`update:${updateId}`)!.delivered, "push");
      const again = await notify({ db: db(), kind: "update", update_id: updateId });
      assert.equal((again.json.notices as { duplicate: boolean }[])[0]!.duplicate, true);
      assert.equal(line.deliveries(uid).length, before + 1, "told once");
      const metrics = await registry.getSingleMetricAsString("lexreply_notices_total");
      assert.match(metrics, /lexreply_notices_total\{kind="update",delivery="push"\} 1/);
    });

    it("auto, LINE unreachable: 502 and nothing recorded; the addon's next call delivers it once", async () => {
      odoo.store.setParam("lexreply.notice_policy", "auto");
      const uid = firm.clients.meiling.lineUserId;
      const downDir = mkdtempSync(join(tmpdir(), "lexreply-notices-down-"));
      const config = loadConfig({
        ...standinEnv(odoo, model, downDir),
        LINE_CHANNEL_SECRET: line.channelSecret,
        LINE_CHANNEL_ACCESS_TOKEN: line.accessToken,
        LINE_API_BASE_URL: "http://127.0.0.1:9",
      }) as SidecarConfig;
      const log = createLogger("fatal");
      const down = buildSidecar(config, log, (c) => lineChannel(config, c, log));
      const updateId = addUpdate(firm.cases.family.id, "法院通知補正資料。");
      const raw = JSON.stringify({ db: db(), kind: "update", update_id: updateId });
      const res = await request(down.app).post("/notify").set(SIGNATURE_HEADER, signBody(ASK_SECRET, raw)).type("json").send(raw);
      await down.plugins.stop?.();
      rmSync(downDir, { recursive: true, force: true });
      assert.equal(res.status, 502);
      assert.match(res.body.error, /LINE did not take the push of update:\d+/);
      assert.equal(noticeOf(`update:${updateId}`), undefined, "nothing recorded, so the addon asks again");
      const before = line.deliveries(uid).length;
      const again = await notify({ db: db(), kind: "update", update_id: updateId });
      assert.equal((again.json.notices as { delivered: string }[])[0]!.delivered, "push");
      assert.equal(line.deliveries(uid).length, before + 1);
    });

    it("auto, e-mail client: a comment to the client marked Auto-Submitted, in zh-TW", async () => {
      odoo.store.setParam("lexreply.notice_policy", "auto");
      const { partnerId } = firm.clients.zhiming;
      const updateId = addUpdate(firm.cases.civil.id, "對造已提出答辯狀。");
      const res = await notify({ db: db(), kind: "update", update_id: updateId });
      assert.deepEqual(res.json.notices, [{ key: `update:${updateId}`, state: "sent", delivered: "email", duplicate: false }]);
      const [mail] = mailsTo(partnerId);
      assert.ok(mail, "Odoo mails the comment to the client");
      assert.match(String(mail.body_html), /林志明 您好[\s\S]*2026-CIV-0007[\s\S]*對造已提出答辯狀。/);
      assert.doesNotMatch(String(mail.body_html), /停止通知/, "the LINE stop words are for LINE");
    });

    it("in English for an English-speaking client", async () => {
      odoo.store.setParam("lexreply.notice_policy", "auto");
      const updateId = addUpdate(firm.cases.contract.id, "We sent our first comments to Formosa Trading Co.");
      await notify({ db: db(), kind: "update", update_id: updateId });
      const mail = mailsTo(firm.clients.emily.partnerId).at(-1)!;
      assert.match(String(mail.body_html), /Dear Emily Carter,[\s\S]*&quot;Emily Carter – distribution agreement review&quot; \(2026-CON-0003\)/);
      assert.match(String(mail.body_html), /, \d{1,2} November 2026/);
    });

    it("a client who turned notices off gets nothing; the skip is recorded", async () => {
      odoo.store.setParam("lexreply.notice_policy", "auto");
      const { partnerId } = firm.clients.xiaohua;
      const caseId = odoo.store.create("legal.case", { name: "張小華 返還借款事件", number: "2026-CIV-0099", partner_id: partnerId, case_type: "civil" });
      odoo.store.write("res.partner", [partnerId], { lexreply_notify: false });
      const updateId = addUpdate(caseId, "已遞狀。");
      const res = await notify({ db: db(), kind: "update", update_id: updateId });
      assert.equal((res.json.notices as { state: string }[])[0]!.state, "skipped");
      assert.equal(mailsTo(partnerId).length, 0);
    });
  });

  describe("hearing reminders", () => {
    it("the matter's next event, in the client's language; a moved date or an ended matter is 409", async () => {
      odoo.store.setParam("lexreply.notice_policy", "auto");
      const matter = firm.cases.family;
      const eventDate = String(odoo.store.row("legal.case", matter.id)!.next_event_date);
      const uid = firm.clients.meiling.lineUserId;
      const before = line.deliveries(uid).length;
      const res = await notify({ db: db(), kind: "reminder", case_id: matter.id, event_date: eventDate, days: 3 });
      assert.equal(res.status, 200);
      const [push] = line.deliveries(uid).slice(before);
      assert.match(push!.texts.join(""), /下次庭期／事件是：[\s\S]*下午 2:30 言詞辯論[\s\S]*臺灣臺北地方法院/);
      assert.equal(noticeOf(`reminder:${matter.id}:${eventDate}:3`)!.state, "sent");
      const moved = await notify({ db: db(), kind: "reminder", case_id: matter.id, event_date: "2030-01-01", days: 3 });
      assert.equal(moved.status, 409);
      assert.match(String(moved.json.error), /next event is now/);
      const closed = firm.cases.civilClosedRecently;
      const ended = await notify({ db: db(), kind: "reminder", case_id: closed.id, event_date: "2030-01-01", days: 3 });
      assert.equal(ended.status, 409);
      const archived = await notify({ db: db(), kind: "reminder", case_id: firm.cases.familyArchived.id, event_date: "2030-01-01", days: 3 });
      assert.equal(archived.status, 404);
    });
  });

  describe("approved notices", () => {
    it("a LINE notice a paralegal approved is pushed as approved (edited text) and recorded sent; none left is 409", async () => {
      const uid = firm.clients.meiling.lineUserId;
      const updateId = addUpdate(firm.cases.family.id, "法院裁定准予延期。");
      await notify({ db: db(), kind: "update", update_id: updateId });
      const key = `update:${updateId}`;
      const noticeId = noticeOf(key)!.id as number;
      // What the addon's Approve button leaves: the paralegal's text, state approved.
      odoo.store.write("lexreply.notice", [noticeId], { state: "approved", client_text: "陳小姐您好：法院裁定准予延期，新期日確定後再通知您。" });
      const before = line.deliveries(uid).length;
      const res = await notify({ db: db(), kind: "approved", case_id: firm.cases.family.id });
      assert.deepEqual(res.json.notices, [{ key, state: "sent", delivered: "push", duplicate: false }]);
      assert.deepEqual(line.deliveries(uid).slice(before).map((d) => d.texts.join("")), ["陳小姐您好：法院裁定准予延期，新期日確定後再通知您。"]);
      const none = await notify({ db: db(), kind: "approved", case_id: firm.cases.family.id });
      assert.equal(none.status, 409);
    });
  });

  describe("the client decides on LINE", () => {
    it("停止通知 turns notices off and is acknowledged; start notices turns them back on, in English", async () => {
      const events = new WebhookEvents(line);
      const uid = firm.clients.meiling.lineUserId;
      const { partnerId } = firm.clients.meiling;
      const send = async (text: string) => {
        const body = events.body("Udestination", [events.text(uid, text)]);
        const res = await fetch(`${url}/line/webhook`, { method: "POST", headers: { "content-type": "application/json", "x-line-signature": line.sign(body) }, body });
        assert.equal(res.status, 200);
      };
      const tickets = odoo.store.rows("helpdesk.ticket").length;
      const before = line.textsFor(uid).length;
      await send(" 停止通知 ");
      await eventually(() => assert.ok(line.textsFor(uid).length > before, "the acknowledgement"));
      assert.match(line.textsFor(uid).at(-1)!, /不會再主動傳送案件進度通知/);
      assert.equal(odoo.store.row("res.partner", partnerId)!.lexreply_notify, false);
      await send("Start Notices");
      await eventually(() => assert.ok(line.textsFor(uid).length > before + 1, "the second acknowledgement"));
      assert.match(line.textsFor(uid).at(-1)!, /we will tell you when there is news/);
      assert.equal(odoo.store.row("res.partner", partnerId)!.lexreply_notify, true);
      assert.equal(odoo.store.rows("helpdesk.ticket").length, tickets, "no question, no ticket");
    });
  });
});
