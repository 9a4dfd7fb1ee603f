import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { ImapFlow } from "imapflow";
import { imapClient } from "../src/channels/email/index.js";
import { odooMessageProcess, type MessageProcess } from "../src/channels/email/hand-over.js";
import { describeImap, parseImapUrl } from "../src/channels/email/imap-settings.js";
import { ERROR_FOLDER, MailboxPoller } from "../src/channels/email/mailbox-poller.js";
import { createLogger } from "../src/logger.js";
import { OdooClient } from "../src/odoo/client.js";
import { OdooError, OdooUnavailableError } from "../src/odoo/errors.js";
import { startOdooStandin, type OdooStandin } from "../src/standin/odoo/index.js";
import { dovecotPerFile, eventually, rawMail } from "./helpers/dovecot.js";

describe("IMAP mailbox → Odoo's mail gateway (real dovecot)", function () {
  this.timeout(20_000);
  const mail = dovecotPerFile({ announce: true });
  let odoo: OdooStandin;
  let logs: Record<string, unknown>[];
  let pollers: MailboxPoller[];
  let clientMessages: number;

  // One server for the file; each test polls a folder of its own (IMAP_URL's path names it).
  beforeEach(async () => {
    odoo = await startOdooStandin();
    clientMessages = 0;
    odoo.onClientMessage(() => void clientMessages++);
    logs = [];
    pollers = [];
  });

  afterEach(async function () {
    for (const p of pollers) await p.stop();
    await odoo?.close();
    if (this.currentTest?.isFailed()) console.log(mail.server().log());
  });

  const log = () =>
    createLogger(
      "debug",
      new Writable({
        write(chunk, _enc, done) {
          logs.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );

  /** Odoo's gateway as the integration user, with no retries of its own: the poller's next scan is the retry. */
  const gateway = () => odooMessageProcess(new OdooClient({ url: odoo.url, db: odoo.db, login: odoo.botLogin, apiKey: odoo.botPassword, timeoutMs: 2_000, retries: 0 }));

  /** The poller as the sidecar builds it, from an IMAP_URL with a percent-encoded password. */
  function poller(opts: { pollMs?: number; messageProcess?: MessageProcess; clients?: ImapFlow[] } = {}): MailboxPoller {
    const imap = parseImapUrl(mail.server().imapUrl(mail.folder()), true);
    const p = new MailboxPoller({
      openClient: () => {
        const c = imapClient(imap);
        opts.clients?.push(c);
        return c;
      },
      messageProcess: opts.messageProcess ?? gateway(),
      mailbox: imap.mailbox,
      pollMs: opts.pollMs ?? 300,
      describe: describeImap(imap),
      log: log(),
      reconnectMs: { first: 100, max: 400 },
    });
    pollers.push(p);
    return p;
  }

  const gatewayCalls = () => odoo.calls.filter((c) => c.ormMethod === "message_process" && !c.error);
  const filed = (messageId: string) => odoo.store.searchRead("mail.message", [["message_id", "=", messageId]], ["res_id", "model"]);
  const ticketsNamed = (name: string) => odoo.store.search("helpdesk.ticket", [["name", "=", name]]);
  const deliver = (raw: string | Buffer) => mail.server().deliver(raw, mail.folder());
  const inFolder = () => mail.server().messages(mail.folder());
  const errorFolderIds = async () => (await mail.server().messages(ERROR_FOLDER)).map((m) => m.messageId);
  const seen = async (messageId: string) => (await inFolder()).find((m) => m.messageId === messageId)?.seen;
  const logged = (text: string) => logs.some((l) => String(l.msg).includes(text));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("hands a new message to message_process once and flags it \\Seen after Odoo accepted it", async () => {
    const messageId = "<first-question@client.example>";
    await deliver(rawMail({ from: "Lin <lin@client.example>", subject: "How is my case going?", body: "Any news?", messageId }));
    assert.equal(await seen(messageId), false);

    poller().start();
    await eventually(async () => assert.equal(await seen(messageId), true));
    await sleep(800); // more scans: a seen message is not handed over again
    assert.equal(gatewayCalls().length, 1);
    const [call] = gatewayCalls();
    assert.equal(call!.args[0], "helpdesk.ticket");
    assert.match(String(call!.args[1]), /^Message-ID: <first-question@client\.example>$/m);
    assert.equal(filed(messageId).length, 1);
    assert.equal(ticketsNamed("How is my case going?").length, 1);
    assert.equal(clientMessages, 1);
    assert.ok(logs.some((l) => l.msg === "IMAP mailbox scanned" && l.unseen === 1 && l.handedToOdoo === 1 && l.refused === 0), "a progress line per scan");
  });

  it("notices a message arriving while it waits in IDLE, without waiting for the next full scan", async () => {
    poller({ pollMs: 60_000 }).start();
    await eventually(() => assert.ok(logged("IMAP mailbox open: IDLE")));
    const messageId = "<while-idle@client.example>";
    await deliver(rawMail({ from: "lin@client.example", subject: "Arrived during IDLE", body: "Hello", messageId }));
    await eventually(async () => assert.equal(await seen(messageId), true), 8_000);
    assert.equal(filed(messageId).length, 1);
  });

  it("finds new mail by its periodic full scan alone when no IDLE is running", async () => {
    const imap = parseImapUrl(mail.server().imapUrl(mail.folder()), true);
    const p = new MailboxPoller({
      openClient: () => new ImapFlow({ host: imap.host, port: imap.port, secure: false, auth: { user: imap.user, pass: imap.password }, logger: false, disableAutoIdle: true }),
      messageProcess: gateway(),
      mailbox: imap.mailbox,
      pollMs: 300,
      describe: describeImap(imap),
      log: log(),
    });
    pollers.push(p);
    p.start();
    await eventually(() => assert.ok(logged("IMAP mailbox open")));
    const messageId = "<found-by-scan@client.example>";
    await deliver(rawMail({ from: "lin@client.example", subject: "Found by the scan", body: "Hello", messageId }));
    await eventually(async () => assert.equal(await seen(messageId), true));
    assert.equal(filed(messageId).length, 1);
  });

  it("reconnects after the IMAP connection drops and goes on taking mail", async () => {
    const clients: ImapFlow[] = [];
    poller({ clients }).start();
    await eventually(() => assert.ok(logged("IMAP mailbox open")));
    clients[0]!.close(); // the server or the network cut the connection
    await eventually(() => assert.ok(logged("IMAP connection closed; reconnecting")));
    const messageId = "<after-reconnect@client.example>";
    await deliver(rawMail({ from: "lin@client.example", subject: "After the reconnect", body: "Hello", messageId }));
    await eventually(async () => assert.equal(await seen(messageId), true));
    assert.equal(clients.length, 2, "a new connection replaced the dropped one");
    assert.equal(filed(messageId).length, 1);
  });

  it("hands over a message with raw 8-bit text in another charset, saying that those bytes were replaced", async () => {
    const messageId = "<big5-8bit@client.example>";
    const head = rawMail({ from: "lin@client.example", subject: "Big5", body: "", messageId }).replace("charset=utf-8", "charset=big5");
    await deliver(Buffer.concat([Buffer.from(head), Buffer.from([0xa7, 0xda, 0xaa, 0xba, 0xae, 0xd7, 0x0d, 0x0a])])); // 我的案 in Big5
    poller().start();
    await eventually(async () => assert.equal(await seen(messageId), true));
    assert.equal(filed(messageId).length, 1, "Odoo still files it");
    assert.ok(logs.some((l) => String(l.msg).includes("not UTF-8") && l.messageId === messageId));
  });

  it("moves a message Odoo refuses to LexReply-Errors (creating it), logs why, and goes on with the next", async () => {
    const bad = "<refused@client.example>";
    const good = "<accepted@client.example>";
    odoo.setGatewayFilter((m) => (m.messageId === bad ? { refuse: "No possible route found for incoming message" } : "accept"));
    await deliver(rawMail({ from: "x@client.example", subject: "Refused one", body: "…", messageId: bad }));
    await deliver(rawMail({ from: "y@client.example", subject: "Accepted one", body: "…", messageId: good }));
    assert.deepEqual(await mail.server().messages(ERROR_FOLDER), [], "no error folder yet");

    poller().start();
    await eventually(async () => assert.deepEqual(await errorFolderIds(), [bad]));
    await eventually(async () => assert.equal(await seen(good), true));
    assert.deepEqual(
      (await inFolder()).map((m) => m.messageId),
      [good],
    );
    const line = logs.find((l) => String(l.msg).startsWith("Odoo refused the message"));
    assert.ok(line, "the refusal is logged");
    assert.match(String(line.reason), /No possible route found/);
    assert.equal(line.messageId, bad);
    assert.equal(filed(bad).length, 0);
    assert.equal(filed(good).length, 1);
  });

  it("leaves a message unseen while Odoo is down and hands it over once when Odoo is back", async () => {
    const messageId = "<during-outage@client.example>";
    let attempts = 0;
    const real = gateway();
    odoo.setDown(true);
    await deliver(rawMail({ from: "lin@client.example", subject: "Sent during the outage", body: "Hello?", messageId }));

    poller({ messageProcess: (raw) => (attempts++, real(raw)) }).start();
    await eventually(() => assert.ok(attempts >= 2, `tried at two scans at least (tried ${attempts})`));
    assert.equal(await seen(messageId), false);
    assert.ok(logged("Odoo could not take the message; it stays unseen"));

    odoo.setDown(false);
    await eventually(async () => assert.equal(await seen(messageId), true));
    await sleep(700);
    assert.equal(gatewayCalls().length, 1);
    assert.equal(filed(messageId).length, 1);
    assert.equal(ticketsNamed("Sent during the outage").length, 1);
    assert.ok(!(await errorFolderIds()).includes(messageId), "an outage is not a refusal");
  });

  it("keeps mail unseen, not in the error folder, while the integration user lacks a right, and takes it once fixed", async () => {
    const messageId = "<while-misconfigured@client.example>";
    const real = gateway();
    let rightsFixed = false;
    await deliver(rawMail({ from: "lin@client.example", subject: "Before the fix", body: "…", messageId }));
    poller({
      messageProcess: (raw) =>
        rightsFixed ? real(raw) : Promise.reject(new OdooError("odoo.exceptions.AccessError", "You are not allowed to create 'Helpdesk Ticket' (helpdesk.ticket) records.")),
    }).start();
    await eventually(() => assert.ok(logs.some((l) => String(l.reason).startsWith("the integration user may not do this (fix its rights in Odoo)"))));
    assert.equal(await seen(messageId), false);
    assert.ok(!(await errorFolderIds()).includes(messageId));
    rightsFixed = true;
    await eventually(async () => assert.equal(await seen(messageId), true));
    assert.equal(filed(messageId).length, 1);
  });

  it("does not let a message Odoo can never take (its request refused as too large) hold up the ones after it", async () => {
    const stuck = "<too-big@client.example>";
    const real = gateway();
    const tooBig = (raw: string) => raw.includes(`Message-ID: ${stuck}`);
    await deliver(rawMail({ from: "lin@client.example", subject: "Huge attachment", body: "…", messageId: stuck }));
    await deliver(rawMail({ from: "lin@client.example", subject: "Next one", body: "…", messageId: "<next-1@client.example>" }));
    await deliver(rawMail({ from: "lin@client.example", subject: "And another", body: "…", messageId: "<next-2@client.example>" }));

    poller({ messageProcess: (raw) => (tooBig(raw) ? Promise.reject(new OdooUnavailableError("Odoo at http://odoo:8069 answered HTTP 413", true)) : real(raw)) }).start();
    await eventually(async () => assert.deepEqual((await inFolder()).map((m) => [m.messageId, m.seen]), [[stuck, false], ["<next-1@client.example>", true], ["<next-2@client.example>", true]]));
    assert.ok(logs.some((l) => l.messageId === stuck && String(l.reason).includes("HTTP 413")), "the stuck message is logged with the reason");
  });

  it("after a crash between Odoo's answer and the \\Seen flag, hands the message over again and Odoo de-duplicates it", async () => {
    const messageId = "<crash-window@client.example>";
    await deliver(rawMail({ from: "lin@client.example", subject: "Crash window", body: "Once only, please", messageId }));
    const real = gateway();
    const answers: unknown[] = [];

    // The first sidecar dies the moment Odoo has answered: its connection is cut before it can flag.
    const clients: ImapFlow[] = [];
    const first = poller({
      clients,
      messageProcess: async (raw) => {
        const result = await real(raw);
        answers.push(result);
        clients.forEach((c) => c.close());
        void first.stop();
        return result;
      },
    });
    first.start();
    await eventually(() => assert.equal(answers.length, 1));
    await first.stop();
    assert.equal(await seen(messageId), false, "the crash left it unseen");

    poller({ messageProcess: async (raw) => (answers.push(await real(raw)), answers.at(-1)) }).start();
    await eventually(async () => assert.equal(await seen(messageId), true));
    assert.equal(typeof answers[0], "number", "the first hand-over made the ticket");
    assert.equal(answers[1], false, "Odoo recognised the Message-ID the second time");
    assert.equal(answers.length, 2);
    assert.equal(ticketsNamed("Crash window").length, 1, "one ticket");
    assert.equal(filed(messageId).length, 1, "one message on it");
    assert.equal(clientMessages, 1, "one /ask");
  });

  it("files an auto-reply without triggering an answer", async () => {
    const control = "<real-question@client.example>";
    const autoReply = "<out-of-office@client.example>";
    await deliver(
      rawMail({ from: "zhiming.lin@example.tw", subject: "Out of office: Re: your case", body: "I am away until Monday.", messageId: autoReply, headers: ["Auto-Submitted: auto-replied"] }),
    );
    await deliver(rawMail({ from: "zhiming.lin@example.tw", subject: "My case", body: "Any news?", messageId: control }));

    poller().start();
    await eventually(async () => assert.deepEqual((await inFolder()).map((m) => m.seen), [true, true]));
    assert.equal(filed(autoReply).length, 1, "Odoo files it on a ticket");
    assert.equal(clientMessages, 1, "only the real question reaches the automation");
  });

  // Odoo 18's message_route gives a multipart/report (or MAILER-DAEMON) mail no route: nothing is filed, False comes back.
  it("takes a bounce (multipart/report) off the mailbox without triggering an answer", async () => {
    const bounce = [
      "From: Mail Delivery System <MAILER-DAEMON@mx.client.example>",
      "To: inbox@mingli-law.example.tw",
      "Subject: Undelivered Mail Returned to Sender",
      "Message-ID: <bounce-1@mx.client.example>",
      "MIME-Version: 1.0",
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain",
      "",
      "Your message could not be delivered.",
      "--b1",
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; mx.client.example",
      "",
      "Final-Recipient: rfc822; nobody@client.example",
      "Action: failed",
      "Status: 5.1.1",
      "--b1--",
      "",
    ].join("\r\n");
    await deliver(bounce);

    poller().start();
    await eventually(async () => assert.equal(await seen("<bounce-1@mx.client.example>"), true));
    assert.equal(gatewayCalls().length, 1);
    assert.equal(filed("<bounce-1@mx.client.example>").length, 0, "no ticket, no message");
    assert.equal(clientMessages, 0);
  });

  // Last in the file: after a failed login dovecot slows down further logins from 127.0.0.1 for a while.
  it("says clearly why the mailbox cannot be opened (a missing folder, a wrong password) and keeps trying", async () => {
    const settings = parseImapUrl(mail.server().imapUrl(mail.folder()), true);
    const attempt = (imap: typeof settings) => {
      const p = new MailboxPoller({ openClient: () => imapClient(imap), messageProcess: gateway(), mailbox: imap.mailbox, pollMs: 300, describe: describeImap(imap), log: log(), reconnectMs: { first: 100, max: 200 } });
      pollers.push(p);
      p.start();
    };
    const failures = () => logs.filter((l) => l.msg === "IMAP mailbox could not be opened; retrying").map((l) => String(l.err));
    attempt({ ...settings, mailbox: "No-Such-Folder" });
    await eventually(() => assert.ok(failures().filter((e) => /Mailbox doesn't exist: No-Such-Folder/.test(e)).length >= 2, failures().join("\n")));
    attempt({ ...settings, password: "wrong" });
    await eventually(() => assert.ok(failures().some((e) => e.startsWith("the server refused the login")), failures().join("\n")));
  });
});
