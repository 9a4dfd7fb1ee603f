import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { emailChannel, imapClient } from "../src/channels/email/index.js";
import { odooMessageProcess } from "../src/channels/email/hand-over.js";
import { describeImap, parseImapUrl } from "../src/channels/email/imap-settings.js";
import { ERROR_FOLDER, MailboxPoller } from "../src/channels/email/mailbox-poller.js";
import { createLogger } from "../src/logger.js";
import { loadConfig } from "../src/config.js";
import { OdooClient } from "../src/odoo/client.js";
import { buildSidecar, type SidecarConfig } from "../src/sidecar.js";
import { FakeOpenAI } from "./fakes/openai-server.js";
import { dovecotAvailable, eventually, rawMail, startDovecot, type Dovecot } from "./helpers/dovecot.js";
import { startSmtp } from "./helpers/smtp.js";

/**
 * Opt-in: the IMAP path against a REAL Odoo 18 with `lexreply` and a bridge installed, e.g. one
 * started with `odoo-bin -d <db> -i lexreply,lexreply_helpdesk_mgmt` on a throwaway database:
 *
 *   REAL_ODOO_URL=http://127.0.0.1:8069 REAL_ODOO_DB=<db> [REAL_ODOO_ADMIN_PASSWORD=admin] npx mocha test/email-real-odoo.test.ts
 *
 * It sets a password on `lexreply-bot` (as the administrator) and files a few tickets; the whole-chain
 * test also points `lexreply.sidecar_url` and `lexreply.ask_secret` at a sidecar it starts (and puts them back).
 */
const odooUrl = process.env.REAL_ODOO_URL;
const odooDb = process.env.REAL_ODOO_DB;

describe("IMAP mailbox → a real Odoo 18 (opt-in: REAL_ODOO_URL, REAL_ODOO_DB)", function () {
  this.timeout(60_000);
  let dovecot: Dovecot;
  let admin: OdooClient;
  let bot: OdooClient;
  let poller: MailboxPoller | undefined;
  const run = Date.now().toString(36); // Message-IDs and subjects unique to this run: the database outlives it
  const botPassword = `imap-check-${run}`;
  let authservBefore: string | false | undefined;

  before(async function () {
    if (!odooUrl || !odooDb) {
      console.log("    skipped: set REAL_ODOO_URL and REAL_ODOO_DB to run the IMAP path against a real Odoo 18 with the addon");
      return this.skip();
    }
    if (!dovecotAvailable()) {
      console.warn("    SKIPPED: no dovecot binary (apt-get install dovecot-imapd)");
      return this.skip();
    }
    admin = new OdooClient({ url: odooUrl, db: odooDb, login: "admin", apiKey: process.env.REAL_ODOO_ADMIN_PASSWORD ?? "admin", timeoutMs: 30_000 });
    const [user] = await admin.executeKw<{ id: number }[]>("res.users", "search_read", [[["login", "=", "lexreply-bot"]]], { fields: ["id"] });
    assert.ok(user, "the addon's integration user lexreply-bot exists");
    await admin.executeKw("res.users", "write", [[user.id], { password: botPassword }]);
    // Only an Authentication-Results header from the firm's own receiving server counts (issue 10).
    authservBefore = await admin.executeKw<string | false>("ir.config_parameter", "get_param", ["lexreply.authserv_id"]);
    await admin.executeKw("ir.config_parameter", "set_param", ["lexreply.authserv_id", "mx.firm.test"]);
    bot = new OdooClient({ url: odooUrl, db: odooDb, login: "lexreply-bot", apiKey: botPassword, timeoutMs: 30_000, retries: 0 });
    dovecot = await startDovecot();
  });

  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
  });

  after(async () => {
    await dovecot?.close();
    if (admin && authservBefore !== undefined) await admin.executeKw("ir.config_parameter", "set_param", ["lexreply.authserv_id", authservBefore || ""]);
  });

  /** A folder of this test's own, with these messages in it. */
  async function folderWith(name: string, messages: string[]) {
    await dovecot.createMailbox(name);
    for (const m of messages) await dovecot.deliver(m, name);
    return name;
  }

  function poll(customValues: Record<string, unknown>, folder: string) {
    const imap = parseImapUrl(dovecot.imapUrl(folder), true);
    poller = new MailboxPoller({
      openClient: () => imapClient(imap),
      messageProcess: odooMessageProcess(bot, customValues),
      mailbox: imap.mailbox,
      pollMs: 1_000,
      describe: describeImap(imap),
      log: createLogger("info", new Writable({ write: (_c, _e, done) => done() })),
    });
    poller.start();
  }

  const ticketsNamed = (name: string) =>
    admin.executeKw<Record<string, unknown>[]>("helpdesk.ticket", "search_read", [[["name", "=", name]]], {
      fields: ["team_id", "lexreply_sender_auth", "lexreply_channel", "partner_email"],
    });
  const filed = (messageId: string) => admin.executeKw<unknown[]>("mail.message", "search", [[["message_id", "=", messageId]]]);

  it("files a new mail once (a second copy is recognised), records a DMARC failure, and takes auto-replies and bounces off the mailbox", async () => {
    const [team] = await admin.executeKw<{ id: number }[]>("helpdesk.ticket.team", "search_read", [[]], { fields: ["id"], limit: 1 });
    const question = rawMail({
      from: "A Client <a.client@example.com>",
      subject: `Real Odoo ${run}`,
      body: "How is my case going?",
      messageId: `<q-${run}@example.com>`,
      headers: ["Authentication-Results: mx.firm.test; spf=fail smtp.mailfrom=example.com; dkim=fail; dmarc=fail header.from=example.com"],
    });
    const autoReply = rawMail({ from: "a.client@example.com", subject: `Out of office ${run}`, body: "Away.", messageId: `<ooo-${run}@example.com>`, headers: ["Auto-Submitted: auto-replied"] });
    const bounce = [
      "From: MAILER-DAEMON@mx.example.com",
      "Subject: Undelivered Mail",
      `Message-ID: <bounce-${run}@mx.example.com>`,
      "MIME-Version: 1.0",
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      "",
      "--b",
      "Content-Type: text/plain",
      "",
      "Delivery failed.",
      "--b--",
      "",
    ].join("\r\n");
    const folder = await folderWith(`real-${run}`, [question, question, autoReply, bounce]);
    poll({ team_id: team!.id }, folder);
    await eventually(async () => assert.deepEqual((await dovecot.messages(folder)).map((m) => m.seen), [true, true, true, true]), 30_000);

    const [ticket, ...more] = await ticketsNamed(`Real Odoo ${run}`);
    assert.equal(more.length, 0, "one ticket for two copies");
    assert.equal((await filed(`<q-${run}@example.com>`)).length, 1, "one message");
    assert.equal(ticket!.lexreply_sender_auth, "fail");
    assert.equal(ticket!.lexreply_channel, "email");
    assert.equal((ticket!.team_id as [number, string])[0], team!.id, "custom_values put it on the team");
    assert.equal((await filed(`<ooo-${run}@example.com>`)).length, 1, "the auto-reply is filed (the addon only keeps it from /ask)");
    assert.equal((await filed(`<bounce-${run}@mx.example.com>`)).length, 0, "Odoo routes a bounce nowhere");
  });

  it("answers through the whole chain: a DMARC-failed mail is held with no case data and the staff get one mail; a passing one is answered", async function () {
    // The addon's demo data has what this needs: a team with LexReply on, and a client with an open matter.
    const [team] = await admin.executeKw<{ id: number; lexreply_policy: string | false }[]>("helpdesk.ticket.team", "search_read", [[["lexreply_enabled", "=", true]]], {
      fields: ["lexreply_policy"],
      limit: 1,
    });
    const [matter] = await admin.executeKw<{ number: string; partner_id: [number, string] }[]>(
      "legal.case",
      "search_read",
      [[["partner_id.email", "!=", false], ["state", "not in", ["settled", "closed"]]]],
      { fields: ["number", "partner_id"], limit: 1 },
    );
    if (!team || !matter) return this.skip();
    const [client] = await admin.executeKw<{ email: string; name: string }[]>("res.partner", "read", [[matter.partner_id[0]]], { fields: ["email", "name"] });
    const secret = `real-odoo-secret-${run}`;
    // The addon caps automatic replies to one address (3 an hour): a rerun on the same database would hit it.
    const params = ["lexreply.sidecar_url", "lexreply.ask_secret", "lexreply.autoreply_cap"];
    const before = await Promise.all(params.map((k) => admin.executeKw<string | false>("ir.config_parameter", "get_param", [k])));

    const model = await new FakeOpenAI().start();
    const smtp = await startSmtp("staff-bot", "pw");
    const folder = await folderWith(`real-chain-${run}`, []);
    const dataDir = mkdtempSync(join(tmpdir(), "lexreply-real-odoo-"));
    const config = loadConfig({
      ODOO_URL: odooUrl,
      ODOO_DB: odooDb,
      ODOO_API_KEY: botPassword,
      ASK_SECRET: secret,
      LLM_MODE: "openai",
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: model.baseURL,
      IMAP_URL: dovecot.imapUrl(folder),
      IMAP_POLL_MS: "1000",
      IMAP_TEAM_ID: String(team.id),
      SMTP_URL: smtp.url,
      MAIL_ALLOW_PLAINTEXT_LOCALHOST: "true",
      STAFF_EMAIL: "paralegals@firm.test",
      STAFF_DIGEST_MS: "1000",
      DATA_DIR: dataDir,
    }) as SidecarConfig;
    const log = createLogger("info", new Writable({ write: (_c, _e, done) => done() }));
    const { app, core, plugins } = buildSidecar(config, log, (c) => emailChannel(config, c, log));
    // The pipeline on a client of its own, so its round trips are counted apart from the mailbox poller's.
    const answerOdoo = new OdooClient(core.odoo.settings);
    await answerOdoo.authenticate();
    core.pipeline.odoo = answerOdoo;
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    try {
      // Odoo calls this sidecar's /ask, signed with the shared secret; the team sends a passing answer at once.
      await admin.executeKw("ir.config_parameter", "set_param", ["lexreply.sidecar_url", `http://127.0.0.1:${(server.address() as AddressInfo).port}`]);
      await admin.executeKw("ir.config_parameter", "set_param", ["lexreply.ask_secret", secret]);
      await admin.executeKw("ir.config_parameter", "set_param", ["lexreply.autoreply_cap", "1000"]);
      await admin.executeKw("helpdesk.ticket.team", "write", [[team.id], { lexreply_policy: "auto" }]);
      await plugins.start?.();

      const answered = async (messageId: string, verdict: "pass" | "fail") => {
        await dovecot.deliver(
          rawMail({
            from: `${client!.name} <${client!.email}>`,
            subject: `Case status ${verdict} ${run}`,
            body: "請問我的案件目前進度如何？",
            messageId,
            headers: [`Authentication-Results: mx.firm.test; spf=${verdict} smtp.mailfrom=example.com; dkim=${verdict}; dmarc=${verdict} header.from=example.com`],
          }),
          folder,
        );
        let ticket: Record<string, unknown> | undefined;
        await eventually(async () => {
          const [message] = await admin.executeKw<{ res_id: number }[]>("mail.message", "search_read", [[["message_id", "=", messageId]]], { fields: ["res_id"] });
          assert.ok(message, "filed by the poller");
          [ticket] = await admin.executeKw<Record<string, unknown>[]>("helpdesk.ticket", "read", [[message.res_id]], {
            fields: ["lexreply_state", "lexreply_sender_auth", "lexreply_draft"],
          });
          assert.ok(["sent", "draft", "escalated", "failed"].includes(String(ticket!.lexreply_state)), `answered (state ${String(ticket!.lexreply_state)})`);
        }, 40_000);
        const comments = await admin.executeKw<{ body: string }[]>(
          "mail.message",
          "search_read",
          [[["model", "=", "helpdesk.ticket"], ["res_id", "=", ticket!.id], ["message_type", "=", "comment"], ["subtype_id.internal", "=", false]]],
          { fields: ["body"] },
        );
        return { ticket: ticket!, comments: comments.map((c) => c.body) };
      };

      const held = await answered(`<chain-fail-${run}@example.com>`, "fail");
      assert.equal(held.ticket.lexreply_sender_auth, "fail");
      assert.equal(held.ticket.lexreply_state, "escalated");
      assert.ok(held.comments.length >= 1, "the client got a holding reply");
      for (const body of held.comments) assert.ok(!body.includes(matter.number), `no case data reaches the client: ${body}`);
      assert.ok(String(held.ticket.lexreply_draft).includes(matter.number), "the answer waits as a draft for a person");
      await eventually(() => assert.equal(smtp.mails.length, 1), 10_000);
      assert.ok(smtp.mails[0]!.text.includes(`${odooUrl}/odoo/helpdesk.ticket/${held.ticket.id}`), smtp.mails[0]!.text);
      assert.match(smtp.mails[0]!.text, /failed authentication/);

      const callsBefore = answerOdoo.calls;
      const sent = await answered(`<chain-pass-${run}@example.com>`, "pass");
      const roundTrips = answerOdoo.calls - callsBefore;
      console.log(`    real Odoo: ${roundTrips} round trips for the answer (target 2: the nested read, lexreply_apply)`);
      assert.equal(roundTrips, 2);
      assert.equal(sent.ticket.lexreply_sender_auth, "pass");
      assert.equal(sent.ticket.lexreply_state, "sent");
      assert.ok(sent.comments.some((b) => b.includes(matter.number)), "the answer states the client's matter");
    } finally {
      await plugins.stop?.();
      await core.jobs.drain();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await admin.executeKw("helpdesk.ticket.team", "write", [[team.id], { lexreply_policy: team.lexreply_policy }]);
      for (const [i, k] of params.entries()) await admin.executeKw("ir.config_parameter", "set_param", [k, before[i] || ""]);
      await model.close();
      await smtp.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("moves a mail the real Odoo refuses to LexReply-Errors", async () => {
    const messageId = `<refused-${run}@example.com>`;
    const folder = await folderWith(`real-refused-${run}`, [rawMail({ from: "x@example.com", subject: `Refused ${run}`, body: "x", messageId })]);
    poll({ team_id: 2_000_000_000 }, folder); // a team that does not exist: Odoo raises MissingError
    await eventually(async () => assert.ok((await dovecot.messages(ERROR_FOLDER)).some((m) => m.messageId === messageId)), 30_000);
    assert.deepEqual(await dovecot.messages(folder), []);
    assert.equal((await filed(messageId)).length, 0);
  });
});
