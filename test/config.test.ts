import assert from "node:assert/strict";
import { ConfigError, loadConfig, readSettings } from "../src/config.js";

/** The one-line problems a start with these settings stops on. */
function problems(env: Record<string, string>): string[] {
  try {
    readSettings(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail("the configuration should have been refused");
}

const PRODUCTION = { ODOO_URL: "http://odoo:8069", ODOO_DB: "firm", ODOO_API_KEY: "key", ASK_SECRET: "0123456789abcdef" };

describe("configuration", () => {
  it("starts in sandbox mode with template answers when nothing is set", () => {
    const c = loadConfig({});
    assert.equal(c.mode, "sandbox");
    assert.equal(c.llmMode, "templates");
    assert.equal(c.LLM_MODEL, "gpt-5");
    assert.equal(c.LLM_TIMEOUT_MS, 30000);
  });

  it("binds the sandbox to 127.0.0.1 whatever HOST says, and says so", () => {
    const { config, warnings } = readSettings({ HOST: "0.0.0.0", OPENAI_API_KEY: "sk-x" });
    assert.equal(config.mode, "sandbox");
    assert.equal(config.HOST, "127.0.0.1");
    assert.match(warnings.join("\n"), /HOST: 0\.0\.0\.0 is ignored in sandbox mode/);
  });

  it("reports every problem at once, one line each", () => {
    const lines = problems({ ODOO_URL: "http://odoo:8069", PORT: "eighty", LLM_MODE: "openai", ASK_SECRET: "short" }).join("\n");
    for (const key of ["PORT", "ASK_SECRET", "ODOO_DB", "ODOO_API_KEY", "OPENAI_API_KEY"]) assert.match(lines, new RegExp(`^${key}: `, "m"));
  });

  it("treats empty values as unset, as an .env file copied from .env.example has them", () => {
    assert.equal(loadConfig({ ODOO_URL: "", OPENAI_API_KEY: " ", ODOO_LOGIN: "lexreply-bot" }).mode, "sandbox");
  });

  it("refuses production settings without ODOO_URL, naming what is set, instead of starting the sandbox", () => {
    const found = problems({ ODOO_DB: "firm", LINE_CHANNEL_SECRET: "s", LINE_CHANNEL_ACCESS_TOKEN: "t", IMAP_URL: "imaps://u:p@mail.example.tw/INBOX" });
    assert.deepEqual(
      found.map((p) => p.split(":")[0]),
      ["ODOO_API_KEY", "ASK_SECRET", "ODOO_URL"],
    );
    assert.match(found[2]!, /^ODOO_URL: is not set, but ODOO_DB, LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, IMAP_URL are: a production start needs ODOO_URL/);
    assert.match(found[0]!, /^ODOO_API_KEY: is required for a production start/);
  });

  it("takes a mistyped ODOO_URL for what it is: a production start with the URL missing", () => {
    const { ODOO_URL, ...rest } = PRODUCTION;
    const found = problems({ ...rest, ODOO_URl: ODOO_URL });
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0]!, /ODOO_URl is set: did you mean ODOO_URL\?/);
    // Even alone, the typo is production intent.
    assert.match(problems({ ...rest, ODOO_ULR: ODOO_URL })[0]!, /^ODOO_URL: is not set, but ODOO_DB, ODOO_API_KEY, ASK_SECRET, ODOO_ULR are/);
  });

  it("warns about variables that look like settings and are not, with the setting meant", () => {
    const { warnings } = readSettings({ ...PRODUCTION, LLM_MODLE: "gpt-5.1", LEXREPLY_COLOUR: "blue", ODOO_RC: "/etc/odoo.conf" });
    assert.deepEqual(warnings.slice().sort(), ["LEXREPLY_COLOUR: is not a LexReply setting and is ignored", "LLM_MODLE: is not a LexReply setting and is ignored (did you mean LLM_MODEL?)"]);
  });

  it("is the Odoo mode, typed with its Odoo settings, when they are complete", () => {
    const c = loadConfig(PRODUCTION);
    assert.equal(c.mode, "odoo");
    if (c.mode === "odoo") assert.equal(c.ODOO_URL.length > 0, true);
    assert.equal(c.HOST, "0.0.0.0");
  });

  it("requires a scheme on every URL: http(s) for Odoo, imap(s) and smtp(s) for mail", () => {
    const lines = problems({ ...PRODUCTION, ODOO_URL: "odoo:8069", SMTP_URL: "mail.example.tw:587", IMAP_URL: "mail.example.tw/INBOX", OPENAI_BASE_URL: "api.openai.com/v1" }).join("\n");
    assert.match(lines, /^ODOO_URL: must start with http:\/\/ or https:\/\/ and name a host, e\.g\. http:\/\/odoo:8069 \(got "odoo:8069"\)$/m);
    assert.match(lines, /^SMTP_URL: must start with smtp:\/\/ or smtps:\/\//m);
    assert.match(lines, /^IMAP_URL: /m);
    assert.match(lines, /^OPENAI_BASE_URL: /m);
  });

  it("wants Odoo's origin, not a page under it", () => {
    assert.match(problems({ ...PRODUCTION, ODOO_URL: "http://odoo:8069/web" }).join("\n"), /^ODOO_URL: must be Odoo's origin only/m);
  });

  it("keeps ports in range", () => {
    assert.match(problems({ PORT: "99999" })[0]!, /^PORT: must be at most 65535$/);
    assert.match(problems({ PORT: "0" })[0]!, /^PORT: must be at least 1$/);
  });
});
