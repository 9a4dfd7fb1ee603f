import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { imapClient } from "../src/channels/email/index.js";
import { odooMessageProcess } from "../src/channels/email/hand-over.js";
import { describeImap, parseImapUrl } from "../src/channels/email/imap-settings.js";
import { ERROR_FOLDER, MailboxPoller } from "../src/channels/email/mailbox-poller.js";
import { createLogger } from "../src/logger.js";
import { OdooClient } from "../src/odoo/client.js";
import { dovecotAvailable, eventually, rawMail, startDovecot, type Dovecot } from "./helpers/dovecot.js";

/**
 * Opt-in: the IMAP path against a REAL Odoo 18 with `lexreply` and a bridge installed, e.g. one
 * started with `odoo-bin -d <db> -i lexreply,lexreply_helpdesk_mgmt` on a throwaway database:
 *
 *   REAL_ODOO_URL=http://127.0.0.1:8069 REAL_ODOO_DB=<db> [REAL_ODOO_ADMIN_PASSWORD=admin] npx mocha test/email-real-odoo.test.ts
 *
 * It sets a password on `lexreply-bot` (as the administrator) and files a few tickets.
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
    const password = `imap-check-${run}`;
    await admin.executeKw("res.users", "write", [[user.id], { password }]);
    bot = new OdooClient({ url: odooUrl, db: odooDb, login: "lexreply-bot", apiKey: password, timeoutMs: 30_000, retries: 0 });
    dovecot = await startDovecot();
  });

  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
  });

  after(async () => {
    await dovecot?.close();
  });

  /** A folder of this test's own, with these messages in it. */
  async function folderWith(name: string, messages: string[]) {
    await dovecot.createMailbox(name);
    for (const m of messages) await dovecot.deliver(m, name);
    return name;
  }

  function poll(customValues: Record<string, unknown>, folder: string) {
    const imap = parseImapUrl(dovecot.imapUrl(folder));
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

  it("moves a mail the real Odoo refuses to LexReply-Errors", async () => {
    const messageId = `<refused-${run}@example.com>`;
    const folder = await folderWith(`real-refused-${run}`, [rawMail({ from: "x@example.com", subject: `Refused ${run}`, body: "x", messageId })]);
    poll({ team_id: 2_000_000_000 }, folder); // a team that does not exist: Odoo raises MissingError
    await eventually(async () => assert.ok((await dovecot.messages(ERROR_FOLDER)).some((m) => m.messageId === messageId)), 30_000);
    assert.deepEqual(await dovecot.messages(folder), []);
    assert.equal((await filed(messageId)).length, 0);
  });
});
