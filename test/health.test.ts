import assert from "node:assert/strict";
import { Writable } from "node:stream";
import OpenAI from "openai";
import request from "supertest";
import { digestMail } from "../src/channels/email/staff-digest.js";
import { createLogger } from "../src/logger.js";
import { ModelStatus, openAIModelFetcher } from "../src/llm/model-status.js";
import { startHarness, type Harness } from "./helpers/harness.js";
import { FakeOpenAI } from "./fakes/openai-server.js";

describe("readiness (/readyz)", () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());
  afterEach(() => h.model.models.clear());

  it("says ready, and nothing about Odoo's address, database, user or version", async () => {
    const res = await request(h.app).get("/readyz").expect(200);
    assert.deepEqual(res.body, { status: "ready" });
  });

  it("says why not when Odoo is down, still without its address", async () => {
    h.odoo.setDown(true);
    const res = await request(h.app).get("/readyz");
    h.odoo.setDown(false);
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { status: "not ready", reason: "Odoo cannot be reached (check ODOO_URL and that Odoo is running)" });
    assert.ok(!JSON.stringify(res.body).includes(h.odoo.url.replace("http://", "")));
  });

  it("fails, naming the model, once the API no longer knows it", async () => {
    h.model.models.set("gpt-5", null);
    await h.core.modelStatus.check();
    const res = await request(h.app).get("/readyz").expect(503);
    assert.match(res.body.reason, /the model gpt-5 is no longer offered by the API \(set LLM_MODEL\)/);
    h.model.models.clear();
    await h.core.modelStatus.check();
    await request(h.app).get("/readyz").expect(200);
  });

  it("shows Odoo's details with LOG_LEVEL=debug, for the operator who asked for them", async () => {
    const debug = await startHarness({ LOG_LEVEL: "debug" });
    try {
      const res = await request(debug.app).get("/readyz").expect(200);
      assert.equal(res.body.odoo.version, "18.0");
      assert.equal(res.body.odoo.db, debug.odoo.db);
    } finally {
      await debug.close();
    }
  });
});

describe("the model's shutdown date (GET /v1/models/{model})", () => {
  let api: FakeOpenAI;
  before(async () => (api = await new FakeOpenAI().start()));
  after(() => api.close());

  const statusOn = (today: string, model = "gpt-5") =>
    new ModelStatus(model, openAIModelFetcher(new OpenAI({ apiKey: "sk-test", baseURL: api.baseURL, maxRetries: 0 })), () => new Date(`${today}T09:00:00Z`));

  it("warns 30 days ahead, with the date and the days left, and not before", async () => {
    api.models.set("gpt-5", { shutdown_date: "2026-12-11" });
    const soon = statusOn("2026-12-01");
    await soon.check();
    assert.equal(soon.notice(), "The model gpt-5 shuts down on 2026-12-11 (in 10 days): set LLM_MODEL to its successor and restart.");
    assert.equal(soon.blocker(), null, "a model still running does not stop answers");
    const early = statusOn("2026-10-01");
    await early.check();
    assert.equal(early.notice(), null);
  });

  it("reads a shutdown date given in Unix seconds too", async () => {
    api.models.set("gpt-5-mini", { shutdown_date: Date.parse("2026-12-20T00:00:00Z") / 1000 });
    const status = statusOn("2026-12-19", "gpt-5-mini");
    await status.check();
    assert.match(status.notice() ?? "", /shuts down on 2026-12-20 \(in 1 day\)/);
  });

  it("knows a model the API answers 404 for is gone, and says so to staff first", async () => {
    api.models.set("gpt-4.5-preview", null);
    const status = statusOn("2026-12-01", "gpt-4.5-preview");
    await status.check();
    assert.equal(status.state.kind, "unknown");
    const mail = digestMail([{ ticketId: 7, ticketName: "HT00007", question: "進度？", reason: "the model did not answer", responsibleUserId: null, state: "escalated" }], "http://odoo", status.notice());
    assert.equal(mail.text.split("\n")[0], "The model gpt-4.5-preview is no longer offered by the API: every answer is handed to a person until LLM_MODEL names a current model.");
  });

  it("does not call a model gone when the API cannot be reached at all", async () => {
    const status = new ModelStatus("gpt-5", openAIModelFetcher(new OpenAI({ apiKey: "sk-test", baseURL: "http://127.0.0.1:9/v1", maxRetries: 0 })));
    await status.check();
    assert.equal(status.state.kind, "unreachable");
    assert.equal(status.blocker(), null);
  });
});

describe("logs", () => {
  const capture = (level = "info") => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger(level, new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(c.toString())), done()) }));
    return { log, lines };
  };

  it("redact secrets and client text at the top of a line as well as one level down", () => {
    const { log, lines } = capture();
    log.info({ text: "我的離婚案", apiKey: "sk-live-123", odoo: { password: "pw" } }, "x");
    assert.deepEqual([lines[0]!.text, lines[0]!.apiKey, (lines[0]!.odoo as { password: string }).password], ["[redacted]", "[redacted]", "[redacted]"]);
  });

  it("keep an error's type and stack", () => {
    const { log, lines } = capture();
    class OdooDown extends Error {
      override name = "OdooUnavailableError";
    }
    log.error({ err: new OdooDown("Odoo at http://odoo could not be reached") }, "job failed");
    const err = lines[0]!.err as { type: string; message: string; stack: string };
    assert.equal(err.type, "OdooDown");
    assert.match(err.stack, /OdooUnavailableError: Odoo at http:\/\/odoo could not be reached\n\s+at /);
  });
});
