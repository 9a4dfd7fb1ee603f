import assert from "node:assert/strict";
import { OdooClient } from "../src/odoo/client.js";
import { OdooError, OdooLoginError, OdooUnavailableError } from "../src/odoo/errors.js";
import { startOdooStandin, type OdooStandin } from "../src/standin/odoo/index.js";

describe("Odoo JSON-RPC client", () => {
  let odoo: OdooStandin;
  let client: OdooClient;
  beforeEach(async () => {
    odoo = await startOdooStandin();
    client = new OdooClient({ url: odoo.url, db: odoo.db, login: "lexreply-bot", apiKey: odoo.botPassword, timeoutMs: 1000, retries: 1, retryDelayMs: 50 });
  });
  afterEach(() => odoo.close());

  const logins = () => odoo.calls.filter((c) => c.method === "authenticate").length;

  it("logs in once for many calls, even concurrent ones", async () => {
    await Promise.all([1, 2, 3].map(() => client.executeKw("res.partner", "search_count", [[]])));
    await client.executeKw("res.partner", "search_count", [[]]);
    assert.equal(logins(), 1);
  });

  it("logs in again when Odoo refuses the session, and names the settings when the key was revoked", async () => {
    await client.executeKw("res.partner", "search_count", [[]]);
    odoo.store.setPassword(odoo.store.userByLogin("lexreply-bot")!, "rotated-key");
    await assert.rejects(client.executeKw("res.partner", "search_count", [[]]), (err: Error) => {
      assert.ok(err instanceof OdooLoginError);
      assert.match(err.message, /refused the login of "lexreply-bot" on database "lexreply": check ODOO_LOGIN and ODOO_API_KEY/);
      return true;
    });
    assert.equal(logins(), 2);
  });

  it("keeps Odoo's exception name and message", async () => {
    await assert.rejects(client.executeKw("legal.case", "read", [[1], ["internal_note"]]), (err: Error) => {
      assert.ok(err instanceof OdooError);
      assert.equal(err.odooName, "odoo.exceptions.AccessError");
      assert.match(err.message, /internal_note/);
      return true;
    });
  });

  it("aborts a call Odoo does not answer in time", async () => {
    await client.authenticate();
    odoo.setLatency(3000);
    const started = Date.now();
    await assert.rejects(client.executeKw("res.partner", "write", [[1], { name: "x" }]), (err: Error) => {
      assert.ok(err instanceof OdooUnavailableError);
      assert.match(err.message, /did not answer within 1000 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 1800, "a timed-out write is not repeated: it may have arrived");
  });

  it("tries a read again when Odoo is briefly unreachable", async () => {
    await client.authenticate();
    odoo.setDown(true);
    setTimeout(() => odoo.setDown(false), 30);
    assert.equal(typeof (await client.executeKw("res.partner", "search_count", [[]])), "number");
  });
});
