import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLineDb, type LineDb } from "../src/channels/line/db.js";
import { LineSender } from "../src/channels/line/delivery.js";
import type { LineEvent } from "../src/channels/line/events.js";
import { lineApi } from "../src/channels/line/line-api.js";
import { Linking } from "../src/channels/line/linking.js";
import { lineMetrics } from "../src/channels/line/metrics.js";
import type { OdooClient } from "../src/odoo/client.js";
import { Outbox } from "../src/channels/line/outbox.js";
import { ReplyTokens } from "../src/channels/line/reply-tokens.js";
import { SentBatches } from "../src/channels/line/sent-batches.js";
import { splitText } from "../src/channels/line/split-text.js";
import { OutboxWorker } from "../src/channels/line/worker.js";
import { createLogger } from "../src/logger.js";
import { FakeLinePlatform } from "./fakes/line-platform.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const event = (id: string, userId: string): LineEvent => ({ type: "message", webhookEventId: id, timestamp: Date.now(), source: { type: "user", userId } });

describe("LINE channel parts", () => {
  describe("splitText", () => {
    it("keeps a short text whole and drops surrounding blanks", () => {
      assert.deepEqual(splitText("  您好。  "), ["您好。"]);
      assert.deepEqual(splitText("   "), []);
    });

    it("fills messages with whole sentences, none over 5,000 UTF-16 units, losing nothing", () => {
      const sentences = Array.from({ length: 400 }, (_, i) => `第 ${i} 句：您的案件依卷宗記載持續進行中 😀。`);
      const text = sentences.join("");
      const parts = splitText(text);
      assert.ok(parts.length >= 3);
      for (const p of parts) {
        assert.ok(p.length <= 5000, `${p.length}`);
        assert.ok(p.endsWith("。"), "ends between sentences");
      }
      assert.equal(parts.join(""), text);
    });

    it("cuts a sentence longer than a message between graphemes, never inside an emoji", () => {
      const text = `${"a".repeat(4999)}👨‍👩‍👧${"b".repeat(6000)}`;
      const parts = splitText(text);
      for (const p of parts) {
        assert.ok(p.length <= 5000);
        assert.doesNotMatch(p, LONE_SURROGATE);
      }
      assert.equal(parts.join(""), text);
      assert.equal(parts[1]!.startsWith("👨‍👩‍👧"), true, "the family emoji moved whole to the next message");
    });
  });

  describe("LineSender against the LINE stand-in", () => {
    let line: FakeLinePlatform;
    let dir: string;
    let db: LineDb;
    let sender: LineSender;
    before(async () => {
      line = await new FakeLinePlatform().start();
      dir = mkdtempSync(join(tmpdir(), "lexreply-line-sender-"));
      db = openLineDb(dir);
      sender = new LineSender(lineApi({ channelAccessToken: line.accessToken, apiBaseUrl: line.apiURL }), new SentBatches(db), lineMetrics());
    });
    after(async () => {
      await line.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("replies with the first five messages and pushes the rest; a repeated send is not delivered twice", async () => {
      const userId = "Usender";
      const text = Array.from({ length: 30 }, () => `${"案件進行中".repeat(199)}。`).join("");
      assert.equal(await sender.send(userId, text, { replyToken: line.issueReplyToken(userId), seed: "long" }), "push");
      const [reply, push] = line.deliveries(userId);
      assert.equal(reply!.method, "reply");
      assert.equal(reply!.texts.length, 5);
      assert.equal(push!.method, "push");
      assert.equal(line.textsFor(userId).join(""), text);

      await sender.send(userId, text, { seed: "long" });
      assert.equal(line.deliveries(userId).length, 2, "a repeated send delivers nothing again, neither the replied part nor the pushed one");

      // Another process without this log (a second sidecar): the push's retry key still stops LINE from delivering twice.
      const otherDir = mkdtempSync(join(tmpdir(), "lexreply-line-other-"));
      const otherDb = openLineDb(otherDir);
      const other = new LineSender(lineApi({ channelAccessToken: line.accessToken, apiBaseUrl: line.apiURL }), new SentBatches(otherDb), lineMetrics());
      await other.send(userId, text, { seed: "long" });
      otherDb.close();
      rmSync(otherDir, { recursive: true, force: true });
      assert.equal(line.deliveries(userId).filter((d) => d.method === "push").length, 2, "only the batch that went by reply is pushed again");
    });

    it("pushes when LINE refuses a spent reply token", async () => {
      const token = line.issueReplyToken("Uspent");
      assert.equal(await sender.send("Uspent", "第一則。", { replyToken: token, seed: "a" }), "reply");
      assert.equal(await sender.send("Uspent", "第二則。", { replyToken: token, seed: "b" }), "push");
      assert.deepEqual(line.textsFor("Uspent"), ["第一則。", "第二則。"]);
    });
  });

  describe("outbox, worker and reply tokens (SQLite)", () => {
    let dir: string;
    let db: LineDb;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "lexreply-line-unit-"));
      db = openLineDb(dir);
    });
    afterEach(() => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("accepts each webhookEventId once, also after the file is reopened", () => {
      assert.deepEqual(new Outbox(db).accept([event("e1", "U1"), event("e2", "U1")]), [true, true]);
      db.close();
      db = openLineDb(dir);
      assert.deepEqual(new Outbox(db).accept([event("e1", "U1"), event("e3", "U2")]), [false, true]);
      assert.equal(new Outbox(db).pending(), 3);
    });

    it("keeps each user's order while another user's events go ahead, and gives up on a persistent error", async () => {
      const outbox = new Outbox(db);
      outbox.accept([event("a1", "UA"), event("a2", "UA"), event("b1", "UB")]);
      const handled: string[] = [];
      let failA1 = 1;
      const worker = new OutboxWorker({
        outbox,
        handle: async ({ event: e }) => {
          if (e.webhookEventId === "a1" && failA1-- > 0) throw new Error("Odoo away");
          if (e.webhookEventId === "b1") throw new Error("refused for good");
          handled.push(e.webhookEventId);
        },
        isTransient: (err) => (err as Error).message === "Odoo away",
        concurrency: 4,
        log: createLogger("fatal"),
        maxAttempts: 2,
        baseDelayMs: 30,
        pollMs: 10,
      });
      worker.start();
      const deadline = Date.now() + 3000;
      while (outbox.pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await worker.stop();
      assert.deepEqual(handled, ["a1", "a2"], "a2 waited for a1's retry");
      assert.equal(outbox.pending(), 0);
      assert.deepEqual(db.prepare(`SELECT webhook_event_id, status FROM events WHERE status = 'dead'`).all(), [{ webhook_event_id: "b1", status: "dead" }]);
    });

    it("forgets linking requests abandoned a day ago and keeps a current one", async () => {
      let now = Date.now();
      const mailer = { send: async () => {} };
      const odoo = { executeKw: async () => [] } as unknown as OdooClient;
      const linking = new Linking({ db, odoo, mailer, log: createLogger("fatal"), key: randomBytes(32), tell: async () => {}, now: () => now });
      const zh = async () => "zh-TW" as const;
      await linking.handleText("Uold", "你好", zh);
      await linking.handleText("Ucode", "someone@example.tw", zh);
      now += 25 * 3_600_000;
      await linking.handleText("Ufresh", "someone@example.tw", zh);
      linking.prune();
      const left = db.prepare(`SELECT line_user_id FROM link_requests ORDER BY line_user_id`).all();
      assert.deepEqual(left, [{ line_user_id: "Ufresh" }]);
    });

    it("hands a reply token out once, only while fresh, and to a message still being posted", () => {
      const tokens = new ReplyTokens(db);
      const now = Date.now();
      tokens.remember("e1", "U1", "token-1", now);
      assert.equal(tokens.claim(17, "U1", now - 1000), "token-1", "not bound yet: the same user's in-flight message");
      assert.equal(tokens.claim(17, "U1", now - 1000), undefined, "single use");
      tokens.remember("e2", "U1", "token-2", now - 5000);
      tokens.bind("e2", 18);
      assert.equal(tokens.claim(18, "U1", now - 1000), undefined, "stale");
      tokens.remember("e3", "U2", "token-3", now);
      tokens.bind("e3", 19);
      assert.equal(tokens.claim(20, "U1", now - 1000), undefined, "another user's token is never used");
      assert.equal(tokens.claim(19, "U2", now - 1000), "token-3");
    });
  });
});
