import assert from "node:assert/strict";
import { parseImapUrl } from "../src/channels/email/imap-settings.js";
import { ticketLink } from "../src/channels/email/staff-digest.js";
import { ConfigError, loadConfig } from "../src/config.js";

describe("e-mail settings", () => {
  it("takes IMAP_URL apart: percent-encoded credentials, the folder from the path, default ports", () => {
    assert.deepEqual(parseImapUrl("imap://inbox%40firm.tw:p%40ss%2Fw%3Ard@mail.firm.tw:1143/Clients%2FNew"), {
      host: "mail.firm.tw",
      port: 1143,
      secure: false,
      user: "inbox@firm.tw",
      password: "p@ss/w:rd",
      mailbox: "Clients/New",
    });
    assert.deepEqual(
      { ...parseImapUrl("imaps://u:p@mail.firm.tw"), user: undefined, password: undefined },
      { host: "mail.firm.tw", port: 993, secure: true, user: undefined, password: undefined, mailbox: "INBOX" },
    );
    assert.equal(parseImapUrl("imap://u:p@[::1]/INBOX").host, "::1");
    assert.equal(parseImapUrl("imap://u:p@mail.firm.tw/").port, 143);
  });

  it("stops the start with one clear line for a bad IMAP_URL", () => {
    const problems = (url: string) => {
      try {
        loadConfig({ ODOO_URL: "http://odoo:8069", ODOO_DB: "firm", ODOO_API_KEY: "key", ASK_SECRET: "0123456789abcdef", IMAP_URL: url });
        return [];
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems;
      }
    };
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
});
