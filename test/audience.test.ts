import assert from "node:assert/strict";
import request from "supertest";
import { signBody } from "../src/http/signature.js";
import type { ApplyOutcome } from "../src/odoo/apply.js";
import type { LineDelivery } from "../src/pipeline/answer-ticket.js";
import { activities, ASK_SECRET, chatter, clientAsks, startHarness, ticket, type Harness } from "./helpers/harness.js";

/**
 * The attacks of issues 10 and 17 that the sidecar decides, against the stand-in Odoo (which enforces
 * the same rules again in lexreply_apply, as the addon does): nothing with a client's facts reaches
 * anyone who may not see them.
 */

const rawMail = (headers: Record<string, string>, body: string) =>
  `${Object.entries({ "MIME-Version": "1.0", "Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "8bit", ...headers })
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n")}\r\n\r\n${body}\r\n`;

/** Every mail Odoo would send, with its addressees and body. */
const outgoing = (h: Harness) =>
  h.odoo.store.searchRead("mail.mail", [], ["recipient_ids", "email_to", "body_html", "auto_submitted"]).map((m) => ({
    to: [...((m.recipient_ids as number[]) ?? []), m.email_to].filter(Boolean),
    body: String(m.body_html ?? ""),
    autoSubmitted: m.auto_submitted,
  }));

const mailsTo = (h: Harness, who: number | string) => outgoing(h).filter((m) => m.to.includes(who));
const CASE_NUMBER = /\d{4}-[A-Z]{2,5}-\d{3,6}/;

async function gateway(h: Harness, mail: string): Promise<number> {
  const id = await h.admin.executeKw<number>("mail.thread", "message_process", ["helpdesk.ticket", mail]);
  await h.core.jobs.drain();
  return id;
}

describe("the audience rule (sidecar + Odoo stand-in)", function () {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("a stranger who Cc's a client gets none of the client's facts, by any route", async () => {
    const meiling = h.firm.clients.meiling;
    const first = rawMail(
      { From: "Stranger <stranger@example.net>", To: "service@mingli-law.example.tw", Cc: `陳美玲 <${meiling.email}>`, Subject: "status", "Message-ID": "<s1@example.net>" },
      "Please reply to all with the status of your case.",
    );
    const ticketId = await gateway(h, first);
    assert.equal(ticket(h, ticketId).partner_id, false, "the ticket has no partner");
    const reply = rawMail(
      { From: `陳美玲 <${meiling.email}>`, To: "Stranger <stranger@example.net>", Subject: "Re: status", "Message-ID": "<m1@example.tw>", References: "<s1@example.net>", "In-Reply-To": "<s1@example.net>" },
      "我的離婚案件進度如何？",
    );
    await gateway(h, reply);
    assert.equal(h.model.requests.length, 0, "no facts were given to the model");
    for (const m of outgoing(h)) assert.doesNotMatch(m.body, CASE_NUMBER, `mail to ${m.to.join(", ")}`);
    const toStranger = mailsTo(h, "Stranger <stranger@example.net>");
    assert.ok(toStranger.every((m) => m.autoSubmitted === "auto-replied"));
    assert.equal(ticket(h, ticketId).lexreply_state, "escalated");
    assert.equal(activities(h, ticketId).length, 1, "a person is asked to reply");
    const note = chatter(h, ticketId).filter((m) => m.subtype === "note").map((m) => m.body).join();
    assert.match(note, /audience rule/);
    assert.match(note, /stranger@example\.net/);
  });

  it("a client who Cc's another client: nothing of his matters is mailed to the other client", async () => {
    const { meiling, zhiming } = h.firm.clients;
    const ticketId = await gateway(
      h,
      rawMail({ From: `陳美玲 <${meiling.email}>`, To: "service@mingli-law.example.tw", Cc: `林志明 <${zhiming.email}>`, Subject: "進度", "Message-ID": "<m2@example.tw>" }, "我的離婚案件進度如何？"),
    );
    const t = ticket(h, ticketId);
    assert.equal(t.partner_id, meiling.partnerId);
    assert.ok((t.message_partner_ids as number[]).includes(zhiming.partnerId), "Odoo made the Cc a follower");
    assert.equal(h.model.requests.length, 0, "none of 陳美玲's matters may be told to 林志明: the model is not asked");
    for (const m of mailsTo(h, zhiming.partnerId)) assert.doesNotMatch(m.body, CASE_NUMBER);
    assert.equal(t.lexreply_state, "escalated");
    const note = chatter(h, ticketId).filter((m) => m.subtype === "note").map((m) => m.body).join();
    assert.match(note, /林志明 \(a follower\)/);
  });

  it("an employee on his company's ticket: the company's matters are told, his own reach no colleague", async () => {
    const { datong, company } = h.firm.clients;
    const own = await h.admin.executeKw<number>("legal.case", "create", [
      { name: "王大同 個人租賃糾紛", number: "2026-CIV-0777", partner_id: datong.partnerId, case_type: "civil", state: "in_progress", client_summary: "個人案件" },
    ]);
    const colleague = await h.admin.executeKw<number>("res.partner", "create", [{ name: "李同事", email: "colleague@twprecision.example.tw", parent_id: company.partnerId }]);
    const ticketId = await h.admin.executeKw<number>("helpdesk.ticket", "create", [
      { name: "進度", description: "進度", partner_id: datong.partnerId, team_id: h.firm.teams.clientService, lexreply_channel: "email", message_partner_ids: [[4, datong.partnerId], [4, colleague]] },
    ]);
    h.model.respond = (req) => ({ kind: "answer", answer: `案件 ${req.prompt.includes("2026-CIV-0777") ? "2026-CIV-0777" : h.firm.cases.labor.number} 進行中。` });
    await h.admin.executeKw("helpdesk.ticket", "message_post", [[ticketId]], { body: "公司與我的案件進度？", author_id: datong.partnerId, message_type: "email", subtype_xmlid: "mail.mt_comment" });
    await h.core.jobs.drain();
    const prompt = h.model.requests[0]!.prompt;
    assert.doesNotMatch(prompt, /2026-CIV-0777|個人租賃糾紛/, "his own matter is not in the prompt");
    assert.match(prompt, new RegExp(h.firm.cases.labor.number));
    assert.equal(ticket(h, ticketId).lexreply_state, "sent");
    for (const m of outgoing(h)) assert.doesNotMatch(m.body, /2026-CIV-0777/);
    assert.ok(mailsTo(h, colleague).length > 0, "the colleague got the company's answer");
    assert.ok(own);
  });

  it("a ticket a person took over gets nothing from LexReply", async () => {
    const meiling = h.firm.clients.meiling;
    const ticketId = await h.admin.executeKw<number>("helpdesk.ticket", "create", [
      { name: "進度", description: "進度", partner_id: meiling.partnerId, team_id: h.firm.teams.clientService, lexreply_channel: "email", lexreply_taken_over: true },
    ]);
    const posted = await h.admin.executeKw<string>("helpdesk.ticket", "message_post", [[ticketId]], { body: "進度？", author_id: meiling.partnerId, message_type: "email", subtype_xmlid: "mail.mt_comment" });
    // The automation skips a taken-over ticket; a late /ask (sent before the take-over) still arrives.
    const body = JSON.stringify({ ticket_id: ticketId, message_id: Number(/\((\d+)/.exec(posted)![1]), db: h.odoo.db });
    const res = await request(h.app).post("/ask").set("content-type", "application/json").set("x-lexreply-signature", signBody(ASK_SECRET, body)).send(body);
    assert.equal(res.status, 202);
    await h.core.jobs.drain();
    assert.equal(mailsTo(h, meiling.partnerId).length, 0, "nothing mailed to the client");
    assert.equal(h.model.requests.length, 0);
    assert.equal(chatter(h, ticketId).filter((m) => m.subtype === "comment" && m.author_id !== meiling.partnerId).length, 0);
    assert.match(chatter(h, ticketId).filter((m) => m.subtype === "note").map((m) => m.body).join(), /took this ticket over/);
  });

  it("refuses a message_id that is not on the ticket: nothing read into a prompt, nothing written", async () => {
    const { ticketId } = await clientAsks(h, h.firm.clients.emily.partnerId, "How is my contract review going?");
    const other = h.firm.tickets.zhimingEmail;
    const before = { calls: h.model.requests.length, mails: outgoing(h).length, executions: h.odoo.store.rows("lexreply.execution").length };
    const body = JSON.stringify({ ticket_id: ticketId, message_id: other.messageId, db: h.odoo.db });
    const res = await request(h.app).post("/ask").set("content-type", "application/json").set("x-lexreply-signature", signBody(ASK_SECRET, body)).send(body);
    assert.equal(res.status, 202);
    await h.core.jobs.drain();
    assert.equal(h.model.requests.length, before.calls);
    assert.equal(outgoing(h).length, before.mails);
    assert.equal(h.odoo.store.rows("lexreply.execution").length, before.executions);
    assert.ok(h.logs.some((l) => String(l.msg).includes("not on this ticket")));
  });

  it("rejects /ask bodies with unknown keys (strict schema)", async () => {
    const body = JSON.stringify({ ticket_id: 1, message_id: 1, db: h.odoo.db, action: "deliver" });
    const res = await request(h.app).post("/ask").set("content-type", "application/json").set("x-lexreply-signature", signBody(ASK_SECRET, body)).send(body);
    assert.equal(res.status, 400);
    assert.equal(h.core.jobs.inFlight, 0);
  });

  it("an unlinked (or relinked) LINE account gets no answer; a person is asked", async () => {
    const sent: string[] = [];
    const recorder: LineDelivery = {
      alreadySent: () => null,
      send: async (_t, text, outcome: (m: "reply" | "push") => ApplyOutcome) => (sent.push(text), outcome("push")),
    };
    h.core.pipeline.line = recorder;
    const meiling = h.firm.clients.meiling;
    const ticketId = await h.admin.executeKw<number>("helpdesk.ticket", "create", [
      { name: "LINE", description: "x", partner_id: meiling.partnerId, team_id: h.firm.teams.clientService, lexreply_channel: "line", lexreply_line_user_id: meiling.lineUserId },
    ]);
    await h.admin.executeKw("res.partner", "write", [[meiling.partnerId], { lexreply_line_user_id: "U00000000000000000000000000000new" }]);
    await h.admin.executeKw("helpdesk.ticket", "message_post", [[ticketId]], { body: "進度？", author_id: meiling.partnerId, message_type: "comment", subtype_xmlid: "mail.mt_comment" });
    await h.core.jobs.drain();
    assert.deepEqual(sent, []);
    assert.equal(h.model.requests.length, 0);
    assert.equal(ticket(h, ticketId).lexreply_state, "escalated");
    assert.equal(activities(h, ticketId).length, 1);
  });

  it("a follower added while the model thinks: Odoo refuses the answer, a holding reply without case data goes out instead", async () => {
    const { meiling, zhiming } = h.firm.clients;
    h.model.respond = () => {
      const [t] = h.odoo.store.search("helpdesk.ticket", [["partner_id", "=", meiling.partnerId]], { order: "id desc", limit: 1 });
      h.odoo.store.write("helpdesk.ticket", [t!], { message_partner_ids: [[4, zhiming.partnerId]] });
      return { kind: "answer", answer: "您的離婚訴訟 2026-FAM-0012 已排定開庭。", case_numbers: ["2026-FAM-0012"] };
    };
    const { ticketId } = await clientAsks(h, meiling.partnerId, "我的離婚案件進度如何？");
    assert.equal(ticket(h, ticketId).lexreply_state, "escalated");
    for (const m of outgoing(h)) assert.doesNotMatch(m.body, CASE_NUMBER);
    assert.ok(mailsTo(h, meiling.partnerId).length === 1, "the client got the holding reply");
    assert.equal(activities(h, ticketId).length, 1);
    assert.match(chatter(h, ticketId).filter((m) => m.subtype === "note").map((m) => m.body).join(), /Odoo refused the answer/);
    assert.ok(h.logs.some((l) => String(l.msg).includes("Odoo refused the outcome")));
  });

  it("a template that fails after the read escalates: holding reply, note, activity — never a ticket left pending", async () => {
    const render = h.core.templates.render.bind(h.core.templates);
    h.core.templates.render = ((lang, name, vars) => {
      if (name === "reply/email") throw new Error("Missing helper: broken_helper");
      return render(lang, name, vars);
    }) as typeof h.core.templates.render;
    const { ticketId } = await clientAsks(h, h.firm.clients.emily.partnerId, "How is my contract review going?");
    assert.equal(ticket(h, ticketId).lexreply_state, "escalated");
    assert.equal(activities(h, ticketId).length, 1);
    assert.match(chatter(h, ticketId).filter((m) => m.subtype === "note").map((m) => m.body).join(), /broken_helper/);
  });

  it("a LINE account moved from one client to another opens the new client's own ticket, never the old one", async () => {
    const { meiling, zhiming } = h.firm.clients;
    const intake = (id: string, text: string) =>
      h.core.odoo.executeKw<{ ticket_id: number; partner_id: number }>("helpdesk.ticket", "lexreply_line_intake", [{ webhook_event_id: id, line_user_id: meiling.lineUserId, text, as_note: false, note: false }]);
    const first = await intake("ev-1", "陳美玲的問題");
    assert.equal(first.partner_id, meiling.partnerId);
    await h.admin.executeKw("res.partner", "write", [[meiling.partnerId], { lexreply_line_user_id: false }]);
    await h.admin.executeKw("res.partner", "write", [[zhiming.partnerId], { lexreply_line_user_id: meiling.lineUserId }]);
    const second = await intake("ev-2", "林志明的問題");
    assert.equal(second.partner_id, zhiming.partnerId);
    assert.notEqual(second.ticket_id, first.ticket_id, "B's message does not land on A's ticket");
    assert.equal(ticket(h, second.ticket_id).partner_id, zhiming.partnerId);
    assert.deepEqual(await intake("ev-2", "林志明的問題"), { ...second, duplicate: true });
    await h.core.jobs.drain();
  });

  it("a draft held for a failed check keeps the audit line and the failing tokens out of the draft", async () => {
    h.model.enqueue({ kind: "answer", answer: "您的案件 2026-FAM-0012 將於 2027-03-15 開庭。" });
    const { ticketId } = await clientAsks(h, h.firm.clients.meiling.partnerId, "我的案件進度？");
    const t = ticket(h, ticketId);
    assert.equal(t.lexreply_state, "escalated");
    assert.doesNotMatch(String(t.lexreply_draft), /\[LexReply\]|check FAILED/);
    const execution = h.odoo.store.rows("lexreply.execution").find((e) => e.ticket_id === ticketId)!;
    assert.equal(execution.check_verdict, "failed");
    assert.match(String(execution.check_failures), /2027-03-15/);
    assert.match(chatter(h, ticketId).filter((m) => m.subtype === "note").map((m) => m.body).join(), /check FAILED/);
  });
});
