import assert from "node:assert/strict";
import { createServer, connect, type AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { Writable } from "node:stream";
import { imapClient, smtpSender } from "../src/channels/email/index.js";
import { describeImap, parseImapUrl } from "../src/channels/email/imap-settings.js";
import { isLoopback } from "../src/channels/email/mail-tls.js";
import { MailboxPoller } from "../src/channels/email/mailbox-poller.js";
import { parseSmtpUrl } from "../src/channels/email/smtp-settings.js";
import { ticketLink } from "../src/channels/email/staff-digest.js";
import { ConfigError, loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { dovecotAvailable, eventually, startDovecot, type Dovecot } from "./helpers/dovecot.js";
import { startSmtp, type SmtpSink } from "./helpers/smtp.js";

const configProblems = (env: Record<string, string>) => {
  try {
    loadConfig({ ODOO_URL: "http://odoo:8069", ODOO_DB: "firm", ODOO_API_KEY: "key", ASK_SECRET: "0123456789abcdef", ...env });
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
};

/** A TCP relay that keeps every byte the client sends: whatever a tap on the wire would see. */
async function wiretap(targetPort: number, listenHost = "127.0.0.1"): Promise<{ port: number; connections: () => number; sent: () => Buffer; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  let connections = 0;
  const open = new Set<{ destroy: () => void }>();
  const server = createServer((client) => {
    connections++;
    const upstream = connect(targetPort, "127.0.0.1");
    open.add(client).add(upstream);
    client.on("data", (d: Buffer) => chunks.push(d));
    client.pipe(upstream).pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
  });
  await new Promise<void>((r) => server.listen(0, listenHost, r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    sent: () => Buffer.concat(chunks),
    close: () => new Promise((r) => (server.close(() => r()), open.forEach((s) => s.destroy()))),
  };
}

/** The password as it would cross the wire: as is (LOGIN), or inside SASL PLAIN/LOGIN in base64. */
function carriesPassword(wire: Buffer, user: string, password: string): boolean {
  const text = wire.toString("latin1");
  const forms = [password, Buffer.from(`\0${user}\0${password}`).toString("base64"), Buffer.from(password).toString("base64")];
  return forms.some((f) => text.includes(f)) || /\b(LOGIN|AUTHENTICATE|AUTH) /i.test(text);
}

/** This machine's first address that is not loopback: a "remote" server the tests can still reach. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
}

describe("e-mail settings", () => {
  it("takes IMAP_URL apart: percent-encoded credentials, the folder from the path, default ports", () => {
    assert.deepEqual(parseImapUrl("imap://inbox%40firm.tw:p%40ss%2Fw%3Ard@mail.firm.tw:1143/Clients%2FNew"), {
      host: "mail.firm.tw",
      port: 1143,
      secure: false,
      tls: "starttls",
      user: "inbox@firm.tw",
      password: "p@ss/w:rd",
      mailbox: "Clients/New",
    });
    assert.deepEqual(
      { ...parseImapUrl("imaps://u:p@mail.firm.tw"), user: undefined, password: undefined },
      { host: "mail.firm.tw", port: 993, secure: true, tls: "tls", user: undefined, password: undefined, mailbox: "INBOX" },
    );
    assert.equal(parseImapUrl("imap://u:p@[::1]/INBOX").host, "::1");
    assert.equal(parseImapUrl("imap://u:p@mail.firm.tw/").port, 143);
  });

  it("stops the start with one clear line for a bad IMAP_URL", () => {
    const problems = (url: string) => configProblems({ IMAP_URL: url });
    assert.deepEqual(problems("imap://mail.firm.tw/INBOX"), [
      "IMAP_URL: names no user (imap://user:password@host/INBOX)",
      "IMAP_URL: has no password (percent-encode special characters in it)",
    ]);
    assert.deepEqual(problems("pop3://u:p@mail.firm.tw"), ["IMAP_URL: must start with imap:// or imaps://"]);
    assert.deepEqual(problems("not a url"), ["IMAP_URL: is not a URL (imap://user:password@host:port/INBOX)"]);
    assert.deepEqual(problems("imap://u:p@mail.firm.tw/INBOX"), []);
    assert.deepEqual(problems("0"), ["IMAP_URL: is not a URL (imap://user:password@host:port/INBOX)"]);
  });

  it("links a ticket in Odoo 18's URL form, whatever the base URL's trailing slash or path", () => {
    assert.equal(ticketLink("https://odoo.firm.tw", 7), "https://odoo.firm.tw/odoo/helpdesk.ticket/7");
    assert.equal(ticketLink("https://odoo.firm.tw/", 7), "https://odoo.firm.tw/odoo/helpdesk.ticket/7");
    assert.equal(ticketLink("https://firm.tw/erp", 7), "https://firm.tw/erp/odoo/helpdesk.ticket/7");
  });

  it("decides TLS per URL: imaps/smtps from the first byte, STARTTLS required otherwise, plaintext only to this machine and only when allowed or without a login", () => {
    assert.equal(parseImapUrl("imaps://u:p@mail.firm.tw").tls, "tls");
    assert.equal(parseImapUrl("imap://u:p@mail.firm.tw").tls, "starttls");
    assert.equal(parseImapUrl("imap://u:p@mail.firm.tw", true).tls, "starttls", "the setting never applies to another host");
    assert.equal(parseImapUrl("imap://u:p@127.0.0.1").tls, "starttls", "a login to this machine needs the setting too");
    assert.equal(parseImapUrl("imap://u:p@localhost", true).tls, "plaintext");
    assert.equal(parseImapUrl("imap://u:p@[::1]", true).tls, "plaintext");
    assert.equal(parseSmtpUrl("smtps://u:p@mail.firm.tw").tls, "tls");
    assert.equal(parseSmtpUrl("smtp://u:p@mail.firm.tw", true).tls, "starttls");
    assert.equal(parseSmtpUrl("smtp://relay.firm.tw:25").tls, "starttls", "no login, but the mail (linking codes) still crosses the network");
    assert.equal(parseSmtpUrl("smtp://127.0.0.1:25").tls, "plaintext", "no login and no network: nothing to protect");
    assert.equal(parseSmtpUrl("smtp://u:p@127.0.0.1:25").tls, "starttls");
    assert.equal(parseSmtpUrl("smtp://u:p@127.0.0.1:25", true).tls, "plaintext");
    assert.deepEqual(parseSmtpUrl("smtp://bot%40firm.tw:p%40ss@mail.firm.tw").auth, { user: "bot@firm.tw", pass: "p@ss" });
    assert.equal(parseSmtpUrl("smtp://mail.firm.tw").port, 587);
    for (const local of ["localhost", "127.0.0.1", "127.8.0.1", "::1", "[::1]", "::ffff:127.0.0.1", "mail.localhost"]) assert.ok(isLoopback(local), local);
    for (const remote of ["mail.firm.tw", "10.0.0.5", "localhost.firm.tw", "::ffff:10.0.0.1", "128.0.0.1"]) assert.ok(!isLoopback(remote), remote);
  });

  it("refuses at start, one line each, a mail URL whose ?options could turn TLS off, and a bad MAIL_ALLOW_PLAINTEXT_LOCALHOST", () => {
    assert.deepEqual(configProblems({ SMTP_URL: "smtp://u:p@mail.firm.tw:587?ignoreTLS=true" }), [
      "SMTP_URL: takes no ?options: TLS follows the scheme (imaps:// and smtps:// from the first byte; imap:// and smtp:// require STARTTLS)",
    ]);
    assert.equal(configProblems({ IMAP_URL: "imap://u:p@mail.firm.tw/INBOX?tls=no" }).length, 1);
    assert.deepEqual(configProblems({ SMTP_URL: "smtp://u@mail.firm.tw" }), ["SMTP_URL: needs both a user and a password, or neither (percent-encode special characters)"]);
    assert.deepEqual(configProblems({ SMTP_URL: "http://mail.firm.tw" }), ["SMTP_URL: must start with smtp:// or smtps://"]);
    assert.deepEqual(configProblems({ MAIL_ALLOW_PLAINTEXT_LOCALHOST: "yes" }), ["MAIL_ALLOW_PLAINTEXT_LOCALHOST: must be true or false"]);
    assert.equal(loadConfig({}).MAIL_ALLOW_PLAINTEXT_LOCALHOST, false);
  });
});

describe("mail logins and TLS, against a real dovecot and a real SMTP server that offer no STARTTLS", function () {
  this.timeout(20_000);
  let dovecot: Dovecot | undefined;
  let smtp: SmtpSink;
  const taps: Awaited<ReturnType<typeof wiretap>>[] = [];
  const tap = async (port: number, host?: string) => {
    const t = await wiretap(port, host);
    taps.push(t);
    return t;
  };

  before(async () => {
    if (dovecotAvailable()) dovecot = await startDovecot();
    smtp = await startSmtp("staff-bot", "smtp-p@ss");
  });
  after(async () => {
    await dovecot?.close();
    await smtp.close();
  });
  afterEach(async () => {
    for (const t of taps.splice(0)) await t.close();
  });

  const imapUrlVia = (d: Dovecot, host: string, port: number) => `imap://${encodeURIComponent(d.user)}:${encodeURIComponent(d.password)}@${host}:${port}/INBOX`;
  const smtpUrlVia = (host: string, port: number) => `smtp://staff-bot:${encodeURIComponent("smtp-p@ss")}@${host}:${port}`;

  it("imap://: dovecot without STARTTLS gets no password, and the poller says why in one line; allowed on localhost, the same login goes through", async function () {
    if (!dovecot) return this.skip();
    const wire = await tap(dovecot.port);
    const strict = parseImapUrl(imapUrlVia(dovecot, "127.0.0.1", wire.port));
    const client = imapClient(strict);
    client.on("error", () => {});
    await assert.rejects(client.connect(), (err: Error & { tlsFailed?: boolean }) => err.tlsFailed === true);
    assert.equal(wire.connections(), 1, "the client did reach the server (its greeting offers no STARTTLS)");
    assert.equal(carriesPassword(wire.sent(), dovecot.user, dovecot.password), false, `sent: ${wire.sent().toString("latin1")}`);

    const logs: Record<string, unknown>[] = [];
    const log = createLogger("info", new Writable({ write: (c, _e, done) => (logs.push(JSON.parse(String(c))), done()) }));
    const poller = new MailboxPoller({ openClient: () => imapClient(strict), messageProcess: async () => 1, mailbox: "INBOX", pollMs: 1_000, describe: describeImap(strict), log, reconnectMs: { first: 5_000, max: 5_000 } });
    poller.start();
    try {
      await eventually(() => assert.ok(logs.some((l) => String(l.err).includes("no login was sent without TLS") && String(l.err).includes("MAIL_ALLOW_PLAINTEXT_LOCALHOST"))));
    } finally {
      await poller.stop();
    }
    assert.equal(carriesPassword(wire.sent(), dovecot.user, dovecot.password), false);

    const allowed = imapClient(parseImapUrl(imapUrlVia(dovecot, "127.0.0.1", wire.port), true));
    await allowed.connect();
    await allowed.logout();
    assert.ok(carriesPassword(wire.sent(), dovecot.user, dovecot.password), "the tap does see a plaintext login: the checks above can fail");
  });

  it("smtp://: a server without STARTTLS gets no AUTH and no mail; allowed on localhost, the same mail goes through", async () => {
    const wire = await tap(Number(new URL(smtp.url).port));
    const mail = { subject: "LexReply: 1 ticket needs a person", text: "ticket HT00001" };
    await assert.rejects(smtpSender(parseSmtpUrl(smtpUrlVia("127.0.0.1", wire.port)), "bot@firm.tw", "staff@firm.tw")(mail), /STARTTLS|TLS/i);
    assert.ok(wire.sent().length > 0);
    assert.equal(carriesPassword(wire.sent(), "staff-bot", "smtp-p@ss"), false, `sent: ${wire.sent().toString("latin1")}`);
    assert.equal(smtp.mails.length, 0);

    await smtpSender(parseSmtpUrl(smtpUrlVia("127.0.0.1", wire.port), true), "bot@firm.tw", "staff@firm.tw")(mail);
    assert.equal(smtp.mails.length, 1);
    assert.ok(carriesPassword(wire.sent(), "staff-bot", "smtp-p@ss"), "the tap does see a plaintext AUTH: the checks above can fail");
  });

  it("MAIL_ALLOW_PLAINTEXT_LOCALHOST does not reach another host: to this machine's network address, STARTTLS is still required", async function () {
    const address = externalAddress();
    if (!address) return this.skip();
    const wire = await tap(Number(new URL(smtp.url).port), "0.0.0.0");
    const settings = parseSmtpUrl(smtpUrlVia(address, wire.port), true);
    const mailsBefore = smtp.mails.length;
    assert.equal(settings.tls, "starttls");
    await assert.rejects(smtpSender(settings, "bot@firm.tw", "staff@firm.tw")({ subject: "s", text: "t" }));
    assert.ok(wire.sent().length > 0, `reached ${address}`);
    assert.equal(carriesPassword(wire.sent(), "staff-bot", "smtp-p@ss"), false);
    assert.equal(smtp.mails.length, mailsBefore);
  });
});
