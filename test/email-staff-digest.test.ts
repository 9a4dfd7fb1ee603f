import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { emailChannel, smtpSender } from "../src/channels/email/index.js";
import { parseSmtpUrl } from "../src/channels/email/smtp-settings.js";
import { StaffDigest } from "../src/channels/email/staff-digest.js";
import { createLogger } from "../src/logger.js";
import type { Escalation } from "../src/pipeline/answer-ticket.js";
import { clientAsks, startHarness, ticket, type Harness } from "./helpers/harness.js";
import { eventually } from "./helpers/dovecot.js";
import { startSmtp, type SmtpSink } from "./helpers/smtp.js";

const quietLog = () => createLogger("info", new Writable({ write: (_c, _e, done) => done() }));

describe("staff e-mail digest (real SMTP server: smtp-server)", function () {
  this.timeout(15_000);
  let smtp: SmtpSink;
  let h: Harness | undefined;

  beforeEach(async () => {
    smtp = await startSmtp("staff-bot", "s3cret/pw");
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
    await smtp.close();
  });

  it("sends ONE mail for three escalations in one interval, with each question, why, and a link to the ticket", async () => {
    h = await startHarness({
      SMTP_URL: smtp.url,
      MAIL_ALLOW_PLAINTEXT_LOCALHOST: "true",
      SMTP_FROM: "LexReply <lexreply@mingli-law.example.tw>",
      STAFF_EMAIL: "paralegals@mingli-law.example.tw",
      STAFF_DIGEST_MS: "2000",
      ODOO_PUBLIC_URL: "https://odoo.mingli-law.example.tw",
    });
    const channel = emailChannel(h.config, h.core, quietLog());
    h.core.pipeline.escalations = channel.escalations; // as buildSidecar wires a channel's listener
    await channel.start?.();
    try {
      h.model.respond = () => ({ kind: "status", status: 400, message: "model refused" });
      const { clients } = h.firm;
      const questions = ["請問我的案子進度如何？", "What is the next step in my matter?", "開庭日期確定了嗎？"];
      const asked = await Promise.all([clients.zhiming, clients.emily, clients.xiaohua].map((who, i) => clientAsks(h!, who.partnerId, questions[i]!)));
      for (const { ticketId } of asked) assert.equal(ticket(h, ticketId).lexreply_state, "escalated");

      await eventually(() => assert.equal(smtp.mails.length, 1), 5_000);
      await channel.stop?.(); // stopping sends whatever is still queued: nothing is
      assert.equal(smtp.mails.length, 1, smtp.mails.map((m) => m.text).join("\n----\n"));
      const [mail] = smtp.mails;
      assert.deepEqual(mail!.to, ["paralegals@mingli-law.example.tw"]);
      assert.equal(mail!.from, "lexreply@mingli-law.example.tw");
      assert.match(mail!.subject, /3 tickets need a person/);
      for (const [i, { ticketId }] of asked.entries()) {
        assert.ok(mail!.text.includes(questions[i]!), `question ${i + 1} is in the mail`);
        assert.ok(mail!.text.includes(`https://odoo.mingli-law.example.tw/odoo/helpdesk.ticket/${ticketId}`), `link ${i + 1} is in the mail`);
      }
      // Each entry says why: the model failed for two clients, the third has no matter on file.
      assert.equal(mail!.text.match(/^ {3}Why: the model service answered HTTP 400/gm)?.length, 2);
      assert.equal(mail!.text.match(/^ {3}Why: the client has no matter on file$/gm)?.length, 1);
    } finally {
      await channel.stop?.();
    }
  });

  it("keeps escalations the SMTP server did not take and sends them with the next interval's", async () => {
    const escalation = (ticketId: number, question: string): Escalation => ({
      ticketId,
      ticketName: `HT0000${ticketId}`,
      question,
      reason: "the sender matches no client",
      responsibleUserId: null,
      state: "escalated",
    });
    const digest = new StaffDigest({
      send: smtpSender(parseSmtpUrl(smtp.url, true), "lexreply@mingli-law.example.tw", "paralegals@mingli-law.example.tw"),
      odooUrl: "http://odoo:8069",
      intervalMs: 200,
      log: quietLog(),
    });
    smtp.refuseNext(1);
    digest.escalated(escalation(1, "First question"));
    digest.start();
    try {
      await new Promise((r) => setTimeout(r, 350)); // the first interval's attempt was refused
      assert.equal(smtp.mails.length, 0);
      digest.escalated(escalation(2, "Second question"));
      await eventually(() => assert.equal(smtp.mails.length, 1));
      assert.match(smtp.mails[0]!.subject, /2 tickets need a person/);
      assert.ok(smtp.mails[0]!.text.includes("First question") && smtp.mails[0]!.text.includes("Second question"));
      assert.ok(smtp.mails[0]!.text.includes("http://odoo:8069/odoo/helpdesk.ticket/1"));
    } finally {
      await digest.stop();
    }
    assert.equal(smtp.mails.length, 1, "nothing sent twice");
  });
});
