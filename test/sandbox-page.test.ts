import assert from "node:assert/strict";
import request from "supertest";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { sandboxChannel } from "../src/sandbox/plugin.js";
import { startHarness, type Harness } from "./helpers/harness.js";

/** The sandbox page in-process: the form posts a question, the real /ask pipeline answers it. */
describe("sandbox page (no browser)", () => {
  let h: Harness;
  const sandboxConfig = loadConfig({ LLM_MODE: "templates", LLM_TIMEOUT_MS: "3000" });

  before(async () => {
    h = await startHarness({ LLM_MODE: "templates" }, (core) => sandboxChannel(sandboxConfig, core, createLogger("fatal")));
  });
  after(() => h.close());

  const ask = (client: number, channel: "line" | "email", question: string, team = h.firm.teams.clientService) =>
    request(h.app).post("/sandbox").type("form").send({ client: String(client), channel, team: String(team), question });

  it("sends whoever opens the root to the page", async () => {
    await request(h.app).get("/").expect(302).expect("location", "/sandbox");
  });

  it("shows the sample firm's clients and teams", async () => {
    const res = await request(h.app).get("/sandbox").expect(200).expect("content-type", /html/);
    assert.match(res.text, /陳美玲 · meiling\.chen@example\.tw · LINE linked/);
    assert.match(res.text, /Emily Carter/);
    assert.match(res.text, /Review Desk \(policy review\)/);
    assert.match(res.text, /template-only answerer/);
    assert.doesNotMatch(res.text, /明理聯合法律事務所/, "the firm is not its own client");
    assert.match(res.text, /<option value="0" data-line="no">Someone unknown · someone\.unknown@example\.net/);
  });

  it("answers 陳美玲 on LINE: the reply, the chatter note, the facts and the verdict, and LINE reached no one", async () => {
    const res = await ask(h.firm.clients.meiling.partnerId, "line", "我的離婚案件進度如何？").expect(200);
    assert.match(res.text, /<pre class="reply" id="client-reply">陳美玲 您好，\n您的案件 2026-FAM-0012/);
    assert.match(res.text, /on LINE \(kept by the sandbox, sent to no one\)/);
    assert.match(res.text, /id="state">sent</);
    assert.match(res.text, /internal note<\/p>\s*<pre class="note">Answer sent on LINE by reply:/);
    assert.match(res.text, /✔ passed/);
    assert.match(res.text, /<strong>2026-FAM-0012<\/strong>/);
    assert.doesNotMatch(res.text, /張國強|180,000/, "the internal note never reaches the page");
  });

  it("answers by e-mail with the comment Odoo would mail, and escapes what the client typed", async () => {
    const res = await ask(h.firm.clients.emily.partnerId, "email", "How is my contract <b>review</b> going?").expect(200);
    assert.match(res.text, /by e-mail \(the comment Odoo mails to the client\)/);
    assert.match(res.text, /Dear Emily Carter,\n+Your matter 2026-CON-0003/);
    assert.match(res.text, /How is my contract &lt;b&gt;review&lt;\/b&gt; going\?/);
    assert.doesNotMatch(res.text, /<b>review<\/b>/);
  });

  it("under the review policy shows the draft for the paralegal and the acknowledgement for the client", async () => {
    const res = await ask(h.firm.clients.zhiming.partnerId, "email", "工程款案件進度？", h.firm.teams.reviewDesk).expect(200);
    assert.match(res.text, /id="state">draft</);
    assert.match(res.text, /承辦人員確認後會盡快回覆您/);
    assert.match(res.text, /Draft answer awaiting approval/);
  });

  it("explains, rather than fails, a LINE question from a client who never linked LINE", async () => {
    const res = await ask(h.firm.clients.emily.partnerId, "line", "Any news?").expect(422);
    assert.match(res.text, /has not linked a LINE account/);
  });

  it("says on the page, not in raw JSON, that a question of only spaces is no question", async () => {
    const res = await ask(h.firm.clients.meiling.partnerId, "line", "   ").expect(400).expect("content-type", /html/);
    assert.match(res.text, /id="error">Type a question first: it was empty or only spaces\.</);
  });

  it("answers a team that does not exist with a clear 422, not a 500", async () => {
    const res = await ask(h.firm.clients.meiling.partnerId, "line", "進度？", 999).expect(422);
    assert.match(res.text, /There is no helpdesk team 999 with LexReply on in the sample firm/);
  });

  it("lets an unknown sender ask by e-mail: no case data, the holding reply, a person told", async () => {
    const res = await ask(0, "email", "What is the status of case 2026-FAM-0012?").expect(200);
    assert.match(res.text, /id="state">escalated</);
    // No partner on the ticket: the neutral acknowledgement (fallback/review), nothing of any matter.
    assert.match(res.text, /id="client-reply">[^<]*will check the answer and reply/);
    assert.doesNotMatch(res.text, /id="client-reply">[^<]*2026-FAM-0012/);
    assert.match((await ask(0, "line", "hi").expect(422)).text, /has not linked a LINE account/);
  });

  it("offers Approve & send on a held draft, and sends the draft to the client when pressed", async () => {
    const held = await ask(h.firm.clients.zhiming.partnerId, "email", "工程款案件進度？", h.firm.teams.reviewDesk).expect(200);
    const ticket = /name="ticket" value="(\d+)"/.exec(held.text)?.[1];
    assert.ok(ticket, "the page offers Approve & send");
    const sent = await request(h.app).post("/sandbox/approve").type("form").send({ ticket }).expect(200);
    assert.match(sent.text, /id="state">sent</);
    assert.match(sent.text, /id="client-reply">[^<]*2026-/);
    assert.doesNotMatch(sent.text, /id="approve"/);
    const again = await request(h.app).post("/sandbox/approve").type("form").send({ ticket }).expect(422);
    assert.match(again.text, /holds no draft to approve \(it is sent\)/);
  });

  it("refuses a form posted from another site, or through a name rebound to this machine", async () => {
    const form = { client: String(h.firm.clients.meiling.partnerId), channel: "line", team: String(h.firm.teams.clientService), question: "進度？" };
    await request(h.app).post("/sandbox").set("origin", "https://evil.example").type("form").send(form).expect(403);
    await request(h.app).post("/sandbox").set("sec-fetch-site", "cross-site").type("form").send(form).expect(403);
    await request(h.app).post("/sandbox").set("host", "evil.example:8080").set("origin", "http://evil.example:8080").type("form").send(form).expect(403);
    await request(h.app).post("/sandbox/approve").set("origin", "https://evil.example").type("form").send({ ticket: "1" }).expect(403);
  });
});

describe("sandbox page with a model (the OpenAI stand-in)", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({}, (core) => sandboxChannel(loadConfig({ LLM_TIMEOUT_MS: "3000" }), core, createLogger("fatal")));
  });
  after(() => h.close());

  it("shows the model, its tokens, and a failed check when the model invents a date", async () => {
    h.model.enqueue({ kind: "answer", answer: "您的案件 2026-FAM-0012 將於 2031-01-05 宣判。", case_numbers: ["2026-FAM-0012"], dates: ["2031-01-05"] });
    const res = await request(h.app)
      .post("/sandbox")
      .type("form")
      .send({ client: String(h.firm.clients.meiling.partnerId), channel: "line", team: String(h.firm.teams.clientService), question: "什麼時候宣判？" })
      .expect(200);
    assert.match(res.text, /Model gpt-5-2025-08-07 · \d+ ms · tokens in \d+ \(cached \d+\) \/ out \d+ · estimated cost \$0\.\d+/);
    assert.match(res.text, /✘ failed/);
    assert.match(res.text, /date &quot;2031-01-05&quot; does not appear in the matter&#x27;s facts/);
    assert.match(res.text, /id="state">escalated</);
    assert.doesNotMatch(res.text, /id="client-reply">[^<]*2031-01-05/, "the invented date never reaches the client");
  });
});
