import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import PostalMime from "postal-mime";
import { SMTPServer } from "smtp-server";
import { lineChannel } from "../src/channels/line/index.js";
import { loadConfig } from "../src/config.js";
import { signBody, SIGNATURE_HEADER } from "../src/http/signature.js";
import { createLogger } from "../src/logger.js";
import { buildSidecar, type SidecarConfig } from "../src/sidecar.js";
import { odooNow, seedSampleFirm, signedAskCaller, startOdooStandin, type OdooStandin, type SampleFirm } from "../src/standin/odoo/index.js";
import { FakeLinePlatform, WebhookEvents } from "./fakes/line-platform.js";
import { FakeOpenAI } from "./fakes/openai-server.js";
import { ASK_SECRET, standinEnv } from "./helpers/harness.js";
import { until } from "./helpers/until.js";

const CASE_NUMBER = /\d{4}-[A-Z]{2,5}-\d{3,6}/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** A real SMTP server in the test process: the one-time codes really travel by SMTP. */
async function startSmtp(): Promise<{ url: string; mails: Mail[]; close: () => Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        const parsed = await PostalMime.parse(Buffer.concat(chunks));
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(","), subject: parsed.subject ?? "", text: parsed.text ?? "" });
        done();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise((r) => server.close(() => r())) };
}

describe("LINE channel, end to end (sidecar + Odoo stand-in + model stand-in + LINE stand-in + SMTP)", function () {
  this.timeout(20_000);
  let odoo: OdooStandin;
  let firm: SampleFirm;
  let model: FakeOpenAI;
  let line: FakeLinePlatform;
  let events: WebhookEvents;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const dirs: string[] = [];
  /** Where the Odoo stand-in's automation sends /ask: the sidecar running now. */
  let askTarget = "";
  const sidecars: Sidecar[] = [];

  interface Sidecar {
    url: string;
    dataDir: string;
    stop(): Promise<void>;
  }

  async function startSidecar(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), "lexreply-line-"))): Promise<Sidecar> {
    dirs.push(dataDir);
    const config = loadConfig({
      ...standinEnv(odoo, model, dataDir),
      LLM_TIMEOUT_MS: "5000",
      LINE_CHANNEL_SECRET: line.channelSecret,
      LINE_CHANNEL_ACCESS_TOKEN: line.accessToken,
      LINE_API_BASE_URL: line.apiURL,
      LINE_DATA_API_BASE_URL: line.dataURL,
      LINE_REPLY_TOKEN_TTL_MS: "3000",
      SMTP_URL: smtp.url,
      SMTP_FROM: "明理聯合法律事務所 <service@mingli-law.example.tw>",
      ...env,
    }) as SidecarConfig;
    const log = createLogger("fatal");
    const { app, core, plugins } = buildSidecar(config, log, (c) => lineChannel(config, c, log));
    const server: Server = await new Promise((r) => {
      const s = app.listen(0, "127.0.0.1", () => r(s));
    });
    await plugins.start?.();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    askTarget = url;
    const sidecar: Sidecar = {
      url,
      dataDir,
      async stop() {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
        await plugins.stop?.();
        await core.jobs.drain();
      },
    };
    sidecars.push(sidecar);
    return sidecar;
  }

  let main: Sidecar;

  async function webhook(target: Sidecar, list: unknown[], signature?: string): Promise<Response> {
    const body = events.body("Udestination", list);
    return fetch(`${target.url}/line/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-line-signature": signature ?? line.sign(body) },
      body,
    });
  }

  function ticketsOf(userId: string) {
    return odoo.store.searchRead("helpdesk.ticket", [["lexreply_line_user_id", "=", userId]], ["partner_id", "lexreply_channel", "lexreply_state", "lexreply_open"]);
  }

  function chatter(ticketId: number) {
    return odoo.store
      .searchRead("mail.message", [["model", "=", "helpdesk.ticket"], ["res_id", "=", ticketId]], ["body", "author_id", "subtype_id", "attachment_ids"])
      .sort((a, b) => (a.id as number) - (b.id as number));
  }

  /** Messages on the user's LINE tickets whose body holds `text`. */
  function postedTexts(userId: string, text: string) {
    return ticketsOf(userId).flatMap((t) => chatter(t.id as number).filter((m) => String(m.body).includes(text)));
  }

  function linkClient(partnerId: number, userId: string): void {
    odoo.store.write("res.partner", [partnerId], { lexreply_line_user_id: userId, lexreply_line_verified_at: "2026-01-01 00:00:00" });
  }

  before(async () => {
    odoo = await startOdooStandin({ seed: (store) => void (firm = seedSampleFirm(store)) });
    odoo.onClientMessage((e) => signedAskCaller(askTarget, ASK_SECRET)(e));
    model = await new FakeOpenAI().start();
    line = await new FakeLinePlatform().start();
    events = new WebhookEvents(line);
    smtp = await startSmtp();
    main = await startSidecar();
  });

  after(async () => {
    for (const s of sidecars) await s.stop().catch(() => {});
    await Promise.all([odoo.close(), model.close(), line.close(), smtp.close()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("refuses a missing or wrong X-Line-Signature with 401 and a malformed body with 400", async () => {
    const e = events.text(firm.clients.meiling.lineUserId, "hello");
    assert.equal((await webhook(main, [e], line.sign("something else"))).status, 401);
    assert.equal((await webhook(main, [e], line.sign(events.body("Udestination", [e]), "another-secret"))).status, 401);
    const unsigned = await fetch(`${main.url}/line/webhook`, { method: "POST", body: events.body("Udestination", [e]) });
    assert.equal(unsigned.status, 401);
    const garbage = "{not json";
    const bad = await fetch(`${main.url}/line/webhook`, { method: "POST", headers: { "x-line-signature": line.sign(garbage) }, body: garbage });
    assert.equal(bad.status, 400);
    // LINE's "Verify" button sends no events.
    assert.equal((await webhook(main, [])).status, 200);
    await sleep(100);
    assert.equal(postedTexts(firm.clients.meiling.lineUserId, "hello").length, 0);
  });

  it("a linked client sees the loading indicator, then a reply about their own matter; the ticket records it", async () => {
    const uid = firm.clients.meiling.lineUserId;
    const question = "我想了解目前離婚訴訟案件的進展 🙏";
    const res = await webhook(main, [events.text(uid, question)]);
    assert.equal(res.status, 200);
    await until("the loading indicator", () => line.loading.find((l) => l.chatId === uid));
    const delivery = await until("the answer", () => line.deliveries(uid).find((d) => d.texts.join("").includes("2026-FAM-0012")));
    assert.equal(delivery.method, "reply");
    const [ticket] = ticketsOf(uid);
    assert.ok(ticket);
    assert.equal(ticket.lexreply_channel, "line");
    assert.deepEqual(ticket.partner_id, firm.clients.meiling.partnerId);
    const posted = postedTexts(uid, "離婚訴訟案件的進展 🙏");
    assert.equal(posted.length, 1, "the client's text is on the ticket once, emoji intact");
    assert.equal(posted[0]!.author_id, firm.clients.meiling.partnerId, "authored by the client");
    await until("the chatter note", () => chatter(ticket.id as number).some((m) => String(m.body).includes("sent on LINE by reply")));
  });

  it("pushes the answer, with a retry key, when the model takes longer than the reply-token window", async () => {
    const uid = firm.clients.meiling.lineUserId;
    const before = line.deliveries(uid).length;
    const pushesBefore = await pushCount();
    model.enqueue({ kind: "answer", answer: "您的案件 2026-FAM-0012 已排定言詞辯論，慢速回覆。", case_numbers: ["2026-FAM-0012"], delayMs: 3500 });
    await webhook(main, [events.text(uid, "請問開庭時間？")]);
    const delivery = await until("the pushed answer", () => line.deliveries(uid).slice(before).find((d) => d.texts.join("").includes("慢速回覆")));
    assert.equal(delivery.method, "push");
    assert.match(delivery.retryKey ?? "", /^[0-9a-f-]{36}$/);
    const [ticket] = ticketsOf(uid);
    await until("the push note", () => chatter(ticket!.id as number).some((m) => String(m.body).includes("sent on LINE by push")));
    assert.equal((await pushCount()) - pushesBefore, 1, "lexreply_line_pushes_total counts the push");
  });

  async function pushCount(): Promise<number> {
    const metrics = await (await fetch(`${main.url}/metrics`)).text();
    return Number(/^lexreply_line_pushes_total (\d+)/m.exec(metrics)?.[1] ?? 0);
  }

  it("handles a redelivered event once, and answers an event first seen as a redelivery by push", async () => {
    const uid = firm.clients.meiling.lineUserId;
    const first = events.text(uid, "第一次送達的問題");
    await webhook(main, [first]);
    await until("the first answer", () => line.deliveries(uid).find((d) => d.texts.join("").includes("2026-FAM-0012") && d.at > first.timestamp));
    const answered = line.deliveries(uid).length;
    assert.equal((await webhook(main, [events.redelivery(first)])).status, 200);
    assert.equal((await webhook(main, [first])).status, 200, "a plain replay too");
    await sleep(400);
    assert.equal(postedTexts(uid, "第一次送達的問題").length, 1);
    assert.equal(line.deliveries(uid).length, answered, "no second answer");

    const missed = events.redelivery(events.text(uid, "只以重送到達的問題"));
    await webhook(main, [missed]);
    const delivery = await until("the answer to the redelivered event", () => line.deliveries(uid).slice(answered).find((d) => d.texts.join("").includes("2026-FAM-0012")));
    assert.equal(delivery.method, "push", "a redelivered event's reply token is not used");
    assert.equal(postedTexts(uid, "只以重送到達的問題").length, 1);
  });

  it("links an unknown LINE user by a code mailed over SMTP, saying nothing about any matter before", async () => {
    const uid = "U2222222222222222222222222222222b";
    const zhiming = firm.clients.zhiming;
    line.profiles.set(uid, { displayName: "志明", language: "zh-TW" });
    await webhook(main, [events.follow(uid)]);
    await until("the welcome", () => line.textsFor(uid).length === 1);
    assert.match(line.textsFor(uid)[0]!, /電子郵件地址/);
    await webhook(main, [events.text(uid, "請問我的工程款案件進度如何？")]);
    await until("the second welcome", () => line.textsFor(uid).length === 2);
    assert.equal(ticketsOf(uid).length, 0, "nothing reaches Odoo before the link is proven");

    await webhook(main, [events.text(uid, zhiming.email as string)]);
    const mail = await until("the code e-mail", () => smtp.mails.find((m) => m.to === zhiming.email));
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
    assert.ok(code, `a 6-digit code in: ${mail.text}`);
    await until("the code-sent notice", () => line.textsFor(uid).length === 3);
    assert.match(line.textsFor(uid)[2]!, /驗證碼/);

    // Someone else typing an address nobody has gets the very same answer, and no mail goes out.
    const stranger = "U3333333333333333333333333333333c";
    const mailsBefore = smtp.mails.length;
    await webhook(main, [events.text(stranger, "nobody@example.tw")]);
    await until("the stranger's notice", () => line.textsFor(stranger).length === 2 || line.textsFor(stranger).length === 1);
    await sleep(200);
    assert.equal(smtp.mails.length, mailsBefore);
    const strangerNotice = line.textsFor(stranger).at(-1)!;
    assert.equal(strangerNotice.replace("nobody@example.tw", "X"), line.textsFor(uid)[2]!.replace(zhiming.email as string, "X"));

    await webhook(main, [events.text(uid, code)]);
    await until("the linked notice", () => line.textsFor(uid).length === 4);
    assert.match(line.textsFor(uid)[3]!, /綁定完成/);
    const partner = odoo.store.row("res.partner", zhiming.partnerId)!;
    assert.equal(partner.lexreply_line_user_id, uid);
    assert.ok(partner.lexreply_line_verified_at);
    for (const text of [...line.textsFor(uid), ...line.textsFor(stranger)]) assert.doesNotMatch(text, CASE_NUMBER, "no case data before linking");

    await webhook(main, [events.text(uid, "請問工程款案件進度")]);
    const answer = await until("his answer", () => line.textsFor(uid).slice(4).find((t) => CASE_NUMBER.test(t)));
    const own = odoo.store.searchRead("legal.case", [["partner_id", "=", zhiming.partnerId]], ["number"]).map((c) => c.number);
    assert.ok(own.includes(CASE_NUMBER.exec(answer)![0]), `answered with one of his own matters: ${answer}`);
  });

  it("without SMTP, mails the code through Odoo to the partner's own address", async () => {
    const uid = "U8888888888888888888888888888888b";
    const emily = firm.clients.emily;
    odoo.store.write("res.partner", [emily.partnerId], { lexreply_line_user_id: false });
    line.profiles.set(uid, { displayName: "Emily", language: "en" });
    const noSmtp = await startSidecar({ SMTP_URL: "" });
    await webhook(noSmtp, [events.text(uid, emily.email as string)]);
    await until("the code-sent notice", () => line.textsFor(uid).length === 1);
    assert.match(line.textsFor(uid)[0]!, /6-digit code is on its way/);
    const mail = await until("Odoo's queued mail", () =>
      odoo.store.searchRead("mail.mail", [], ["recipient_ids", "body_html"]).find((m) => (m.recipient_ids as number[]).includes(emily.partnerId) && /\d{6}/.test(String(m.body_html))),
    );
    const code = /\b(\d{6})\b/.exec(String(mail.body_html))![1]!;
    await webhook(noSmtp, [events.text(uid, code)]);
    await until("the linked notice", () => line.textsFor(uid).length === 2);
    assert.equal(odoo.store.row("res.partner", emily.partnerId)!.lexreply_line_user_id, uid);
    await noSmtp.stop();
    askTarget = main.url;
  });

  it("locks linking after five wrong codes; the right code no longer works", async () => {
    const uid = "U4444444444444444444444444444444d";
    const xiaohua = firm.clients.xiaohua;
    line.profiles.set(uid, { displayName: "小華", language: "zh-TW" });
    await webhook(main, [events.text(uid, xiaohua.email as string)]);
    const mail = await until("the code e-mail", () => smtp.mails.find((m) => m.to === xiaohua.email));
    const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 1; i <= 5; i++) {
      await webhook(main, [events.text(uid, wrong)]);
      await until(`notice ${i}`, () => line.textsFor(uid).length === i + 1);
    }
    const texts = line.textsFor(uid);
    assert.match(texts[1]!, /還可以再試 4 次/);
    assert.match(texts[4]!, /還可以再試 1 次/);
    assert.match(texts[5]!, /暫停/);
    await webhook(main, [events.text(uid, code)]);
    await until("the locked notice again", () => line.textsFor(uid).length === 7);
    assert.match(line.textsFor(uid)[6]!, /暫停/);
    assert.equal(odoo.store.row("res.partner", xiaohua.partnerId)!.lexreply_line_user_id ?? false, false);
  });

  it("unlinks on request; the next message gets the welcome again, not an answer", async () => {
    const uid = "U9999999999999999999999999999999c";
    const partnerId = odoo.store.create("res.partner", { name: "解除測試", email: "unlink.test@example.tw", lexreply_line_user_id: uid, lexreply_line_verified_at: "2026-01-01 00:00:00" });
    await webhook(main, [events.text(uid, "解除綁定")]);
    await until("the unlinked notice", () => line.textsFor(uid).length === 1);
    assert.match(line.textsFor(uid)[0]!, /已解除/);
    const partner = odoo.store.row("res.partner", partnerId)!;
    assert.equal(partner.lexreply_line_user_id, false);
    assert.equal(partner.lexreply_line_verified_at, false);
    await webhook(main, [events.text(uid, "我的案件進度？")]);
    await until("the welcome", () => line.textsFor(uid).length === 2);
    assert.match(line.textsFor(uid)[1]!, /電子郵件地址/);
    assert.equal(ticketsOf(uid).length, 0);
  });

  it("answers a sticker with a polite text and notes it on the ticket; an image is attached there", async () => {
    const uid = "U5555555555555555555555555555555e";
    linkClient(firm.clients.emily.partnerId, uid);
    await webhook(main, [events.sticker(uid)]);
    await until("the notice", () => line.textsFor(uid).length === 1);
    assert.match(line.textsFor(uid)[0]!, /Only text messages are answered automatically/);
    const [ticket] = ticketsOf(uid);
    assert.ok(ticket, "a LINE ticket was opened");
    assert.ok(chatter(ticket.id as number).some((m) => String(m.body).includes("sent a sticker")));

    const photo = Buffer.from("\xff\xd8\xff\xe0 fake jpeg bytes", "latin1");
    await webhook(main, [events.image(uid, photo)]);
    await until("the second notice", () => line.textsFor(uid).length === 2);
    assert.ok(chatter(ticket.id as number).some((m) => String(m.body).includes("sent an image")));
    await until("the attachment", () => odoo.store.search("ir.attachment", [["res_model", "=", "helpdesk.ticket"], ["res_id", "=", ticket.id]]).length > 0);
    const [attachmentId] = odoo.store.search("ir.attachment", [["res_model", "=", "helpdesk.ticket"], ["res_id", "=", ticket.id]]);
    assert.ok(attachmentId, "the image is attached to the ticket");
    assert.equal(Buffer.from(String(odoo.store.row("ir.attachment", attachmentId)!.datas), "base64").toString("latin1"), photo.toString("latin1"));
    assert.equal(model.requests.filter((r) => r.prompt.includes("Emily")).length, 0, "nothing was asked of the model");
  });

  it("keeps a message while Odoo is down and delivers it once when Odoo is back", async () => {
    const uid = firm.clients.meiling.lineUserId;
    odoo.setDown(true);
    const started = Date.now();
    const res = await webhook(main, [events.text(uid, "Odoo 停機時的問題")]);
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started < 500, "LINE gets its 200 at once");
    await sleep(1200);
    odoo.setDown(false);
    assert.equal(postedTexts(uid, "Odoo 停機時的問題").length, 0);
    await until("the message in Odoo", () => postedTexts(uid, "Odoo 停機時的問題").length > 0, 12_000);
    await until("the answer", () => line.textsFor(uid).some((t) => t.includes("2026-FAM-0012")));
    await sleep(300);
    assert.equal(postedTexts(uid, "Odoo 停機時的問題").length, 1);
  });

  it("delivers events left in the outbox by a stopped sidecar once, in order, after a restart", async () => {
    const uid = "U6666666666666666666666666666666f";
    linkClient(firm.clients.datong.partnerId, uid);
    const side = await startSidecar();
    odoo.setDown(true);
    for (const text of ["重啟前的第一則", "重啟前的第二則"]) assert.equal((await webhook(side, [events.text(uid, text)])).status, 200);
    await side.stop();
    odoo.setDown(false);
    await sleep(200);
    assert.equal(postedTexts(uid, "重啟前").length, 0, "nothing reached Odoo before the restart");

    const again = await startSidecar({}, side.dataDir);
    await until("both messages", () => postedTexts(uid, "重啟前").length === 2, 12_000);
    const [one, two] = postedTexts(uid, "重啟前");
    assert.match(String(one!.body), /第一則/);
    assert.match(String(two!.body), /第二則/);
    await sleep(300);
    assert.equal(postedTexts(uid, "重啟前").length, 2);
    await again.stop();
    askTarget = main.url;
  });

  it("splits a 6,000-character answer into LINE-sized messages on sentence boundaries, in one reply", async () => {
    const uid = firm.clients.meiling.lineUserId;
    const sentence = "您的案件 2026-FAM-0012 正在依照法院程序進行中，承辦律師會持續追蹤並在有新進度時通知您。";
    const answer = sentence.repeat(Math.ceil(6000 / sentence.length));
    assert.ok(answer.length >= 6000);
    model.enqueue({ kind: "answer", answer, case_numbers: ["2026-FAM-0012"] });
    const before = line.deliveries(uid).length;
    await webhook(main, [events.text(uid, "請詳細說明我的案件")]);
    const delivery = await until("the long answer", () => line.deliveries(uid).slice(before).find((d) => d.texts.join("").includes("承辦律師")));
    assert.equal(delivery.method, "reply");
    assert.equal(delivery.texts.length, 2);
    for (const t of delivery.texts) assert.ok(t.length <= 5000, `${t.length} UTF-16 units`);
    // The reply template signs off after the answer, so the last message ends with the signature.
    assert.ok(delivery.texts[0]!.endsWith("。"), "the first message ends on a sentence");
    assert.equal(delivery.texts.join("").split(sentence).length - 1, answer.length / sentence.length);
  });

  it("pushes an approved draft once through /line/deliver, however often the addon calls", async () => {
    const uid = firm.clients.meiling.lineUserId;
    const draft = "陳小姐您好，您的案件 2026-FAM-0012 的下次庭期已確認，律師已審閱此回覆。";
    const ticketId = odoo.store.create("helpdesk.ticket", {
      name: "LINE: 陳美玲 (draft)",
      description: "<p>draft</p>",
      partner_id: firm.clients.meiling.partnerId,
      lexreply_channel: "line",
      lexreply_line_user_id: uid,
      lexreply_state: "draft",
      lexreply_draft: draft,
    });
    const call = (payload: object, secret = ASK_SECRET) => {
      const body = JSON.stringify(payload);
      return fetch(`${main.url}/line/deliver`, { method: "POST", headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signBody(secret, body) }, body });
    };
    const deliver = { action: "deliver", ticket_id: ticketId, db: odoo.db };
    const before = line.deliveries(uid).length;
    assert.equal((await call(deliver)).status, 409, "no approval recorded: nothing is pushed");
    assert.equal(line.deliveries(uid).length, before);
    odoo.store.write("helpdesk.ticket", [ticketId], { lexreply_approved_by: firm.users.paralegal, lexreply_approved_at: odooNow() });
    const results = await Promise.all([call(deliver), call(deliver)]);
    for (const r of results) {
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { method: "push" });
    }
    const again = await call(deliver);
    assert.equal(again.status, 409, "a second deliver sends nothing");
    const got = line.deliveries(uid).filter((d) => d.texts.join("").includes("律師已審閱此回覆"));
    assert.equal(got.length, 1);
    assert.equal(got[0]!.method, "push");
    const notes = chatter(ticketId).filter((m) => String(m.body).includes("Approved draft sent on LINE by push"));
    assert.equal(notes.length, 1);
    assert.equal(odoo.store.row("helpdesk.ticket", ticketId)!.lexreply_state, "sent");

    assert.equal((await call(deliver, "a-wrong-secret-0123456789")).status, 401);
    const emailTicket = odoo.store.create("helpdesk.ticket", { name: "mail", description: "x", lexreply_channel: "email", lexreply_draft: "x" });
    assert.equal((await call({ ...deliver, ticket_id: emailTicket })).status, 409);
    const noDraft = odoo.store.create("helpdesk.ticket", { name: "line", description: "x", lexreply_channel: "line", lexreply_line_user_id: uid });
    assert.equal((await call({ ...deliver, ticket_id: noDraft })).status, 409);
    assert.equal((await call({ ticket_id: ticketId, db: odoo.db })).status, 400, "a body without action is refused");
    assert.equal((await call({ ...deliver, ticket_id: 999_999 })).status, 404);
  });

  it("refuses a signed /ask body replayed to /line/deliver: nothing is pushed, the draft stays a draft", async () => {
    const uid = firm.clients.meiling.lineUserId;
    const ticketId = odoo.store.create("helpdesk.ticket", {
      name: "LINE: 陳美玲 (unapproved)", description: "<p>x</p>", partner_id: firm.clients.meiling.partnerId,
      lexreply_channel: "line", lexreply_line_user_id: uid, lexreply_state: "draft", lexreply_draft: "未核准的草稿 2026-FAM-0012",
    });
    const before = line.deliveries(uid).length;
    const askBody = JSON.stringify({ ticket_id: ticketId, message_id: 1, db: odoo.db });
    const replayed = await fetch(`${main.url}/line/deliver`, { method: "POST", headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signBody(ASK_SECRET, askBody) }, body: askBody });
    assert.equal(replayed.status, 400);
    assert.equal(line.deliveries(uid).length, before);
    assert.equal(odoo.store.row("helpdesk.ticket", ticketId)!.lexreply_state, "draft");
  });

  it("answers past the hourly limit with a polite notice, noting the message for a person", async () => {
    const uid = "U7777777777777777777777777777777a";
    linkClient(firm.clients.xiaohua.partnerId, uid);
    const limited = await startSidecar({ LINE_RATE_LIMIT_PER_HOUR: "1" });
    await webhook(limited, [events.text(uid, "第一個問題")]);
    await until("the first answer", () => line.textsFor(uid).length === 1);
    await webhook(limited, [events.text(uid, "第二個問題")]);
    await until("the notice", () => line.textsFor(uid).length === 2);
    assert.match(line.textsFor(uid)[1]!, /上限/);
    assert.equal(model.requests.filter((r) => r.prompt.includes("第二個問題")).length, 0, "the second question never reached the model");
    assert.ok(postedTexts(uid, "第二個問題").every((m) => m.author_id !== firm.clients.xiaohua.partnerId), "nor was it posted as the client's (which would call /ask)");
    const [ticket] = ticketsOf(uid);
    assert.ok(chatter(ticket!.id as number).some((m) => String(m.body).includes("Not answered automatically") && String(m.body).includes("第二個問題")));
    await limited.stop();
    askTarget = main.url;
  });
});
