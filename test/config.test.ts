import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../src/config.js";

describe("configuration", () => {
  it("starts in sandbox mode with template answers when nothing is set", () => {
    const c = loadConfig({});
    assert.equal(c.sandbox, true);
    assert.equal(c.llmMode, "templates");
    assert.equal(c.LLM_MODEL, "gpt-5");
    assert.equal(c.LLM_TIMEOUT_MS, 30000);
  });

  it("reports every problem at once, one line each", () => {
    try {
      loadConfig({ ODOO_URL: "http://odoo:8069", PORT: "eighty", LLM_MODE: "openai", ASK_SECRET: "short" });
      assert.fail("should not load");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const lines = err.problems.join("\n");
      for (const key of ["PORT", "ASK_SECRET", "ODOO_DB", "ODOO_API_KEY", "OPENAI_API_KEY"]) assert.match(lines, new RegExp(`^${key}: `, "m"));
    }
  });

  it("treats empty values as unset, as an .env file copied from .env.example has them", () => {
    assert.equal(loadConfig({ ODOO_URL: "", OPENAI_API_KEY: " " }).sandbox, true);
  });
});
