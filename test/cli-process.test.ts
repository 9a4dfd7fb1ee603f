import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { startOdooStandin, type OdooStandin } from "../src/standin/odoo/index.js";

/** `node bin/lexreply.js …` as a user runs it (npx lexreply), with only the given settings. */
function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["bin/lexreply.js", ...args], { env: { PATH: process.env.PATH!, LOG_LEVEL: "fatal", ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("lexreply as a process (bin/lexreply.js)", function () {
  this.timeout(30_000);
  let odoo: OdooStandin;
  before(async () => (odoo = await startOdooStandin()));
  after(() => odoo.close());

  it("doctor with a wrong API key exits 1 and says which setting to fix", async () => {
    const r = await run(["doctor"], { ODOO_URL: odoo.url, ODOO_DB: odoo.db, ODOO_API_KEY: "wrong", ASK_SECRET: "process-test-secret-0123", LLM_MODE: "templates" });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✘ Odoo login[\s\S]*fix: set ODOO_API_KEY/);
  });
});
