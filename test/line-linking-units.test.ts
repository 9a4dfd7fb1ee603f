import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import type { CodeMail } from "../src/channels/line/code-mailer.js";
import { lineDbPath, openLineDb, type LineDb } from "../src/channels/line/db.js";
import type { LineEvent } from "../src/channels/line/events.js";
import { CODE_MAILS_PER_HOUR, CODE_TTL_MS, codeMac, linkCodeKey, Linking, type Said } from "../src/channels/line/linking.js";
import { Outbox } from "../src/channels/line/outbox.js";
import { RateLimit } from "../src/channels/line/rate-limit.js";
import { createLogger } from "../src/logger.js";
import { OdooClient } from "../src/odoo/client.js";
import { seedSampleFirm, startOdooStandin, type OdooStandin, type SampleFirm } from "../src/standin/odoo/index.js";

const zh = async () => "zh-TW" as const;
const mode = (path: string) => statSync(path).mode & 0o777;

function capturingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger(
    "info",
    new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  return { log, lines };
}

/** Every file under a folder, as bytes. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [{ path: join(dir, e.name), bytes: readFileSync(join(dir, e.name)) }],
  );
}

describe("LINE linking: what the data folder gives away (units, stand-in Odoo)", function () {
  this.timeout(60_000);
  let dir: string;
  let db: LineDb | undefined;
  let odoo: OdooStandin;
  let firm: SampleFirm;
  let bot: OdooClient;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "lexreply-linking-"));
    odoo = await startOdooStandin({ seed: (store) => void (firm = seedSampleFirm(store)) });
    bot = new OdooClient({ url: odoo.url, db: odoo.db, login: odoo.botLogin, apiKey: odoo.botPassword, timeoutMs: 2_000, retries: 0 });
  });
  afterEach(async () => {
    db?.close();
    db = undefined;
    await odoo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Linking as the channel wires it, with the mails and the pushes to other accounts kept for the test. */
  function linking(opts: { key?: Buffer; now?: () => number } = {}) {
    db ??= openLineDb(dir);
    const mails: CodeMail[] = [];
    const told: { to: string; said: Said }[] = [];
    const l = new Linking({
      db,
      odoo: bot,
      mailer: { send: async (m) => void mails.push(m) },
      log: createLogger("fatal"),
      key: opts.key ?? randomBytes(32),
      tell: async (to, said) => void told.push({ to, said }),
      now: opts.now,
    });
    return { l, mails, told };
  }

  it("stores the code as an HMAC: none of the 10^6 codes hashed without the key matches the row, the key finds the mailed one, and the key is in no file of DATA_DIR", async () => {
    const secret = "a-link-code-key-from-the-environment-0123456789";
    const key = linkCodeKey({ LINK_CODE_KEY: secret });
    const { l, mails } = linking({ key });
    const uid = "U5555555555555555555555555555555e";
    const zhiming = firm.clients.zhiming;
    await l.handleText(uid, zhiming.email as string, zh);
    assert.equal(mails.length, 1);
    const mailed = mails[0]!.code;
    db!.close();
    db = undefined;

    // What someone who copied the folder has: the row, read straight from the file.
    const copy = new Database(lineDbPath(dir), { readonly: true });
    const row = copy.prepare(`SELECT partner_id, code_hash FROM link_requests WHERE line_user_id = ?`).get(uid) as { partner_id: number; code_hash: string };
    copy.close();
    assert.equal(row.partner_id, zhiming.partnerId);
    const stored = Buffer.from(row.code_hash, "hex");

    // The attack, sha256("<lineUserId>:<code>"), and the same text the HMAC covers, hashed without the key.
    const started = Date.now();
    const unkeyed: string[] = [];
    for (let n = 0; n < 1_000_000; n++) {
      const code = String(n).padStart(6, "0");
      for (const input of [`${uid}:${code}`, `${uid}\n${row.partner_id}\n${code}`]) {
        if (createHash("sha256").update(input).digest().equals(stored)) unkeyed.push(code);
      }
    }
    console.log(`    tried the 10^6 codes two ways without the key in ${Date.now() - started} ms`);
    assert.deepEqual(unkeyed, [], "no unkeyed hash of any code matches the stored value");
    assert.ok(codeMac(key, uid, row.partner_id, mailed).equals(stored), "with the key, the stored value is the mailed code's");
    assert.ok(!codeMac(randomBytes(32), uid, row.partner_id, mailed).equals(stored), "and only with that key");

    const needles = [key, Buffer.from(key.toString("hex")), Buffer.from(key.toString("base64")), Buffer.from(secret)];
    const files = filesUnder(dir);
    assert.ok(files.some((f) => f.path.endsWith(".sqlite")), "the database file was searched");
    for (const f of files) for (const needle of needles) assert.equal(f.bytes.indexOf(needle), -1, `key material found in ${f.path}`);
  });

  it("derives the key from LINK_CODE_KEY, else from LINE_CHANNEL_SECRET, never the secret itself, and refuses to run without either", () => {
    const fromChannel = linkCodeKey({ LINE_CHANNEL_SECRET: "channel-secret-0123456789abcdef" });
    assert.equal(fromChannel.length, 32);
    assert.notDeepEqual(fromChannel.subarray(0, 31), Buffer.from("channel-secret-0123456789abcdef").subarray(0, 31));
    assert.notDeepEqual(linkCodeKey({ LINK_CODE_KEY: "x".repeat(32), LINE_CHANNEL_SECRET: "channel-secret-0123456789abcdef" }), fromChannel, "LINK_CODE_KEY wins");
    assert.throws(() => linkCodeKey({}), /LINK_CODE_KEY or LINE_CHANNEL_SECRET/);
  });

  it("a code stored under another key (a copied row, a key rotated) does not link", async () => {
    const uid = "U6666666666666666666666666666666f";
    const first = linking({ key: randomBytes(32) });
    await first.l.handleText(uid, firm.clients.xiaohua.email as string, zh);
    const second = linking({ key: randomBytes(32) });
    const said = await second.l.handleText(uid, first.mails[0]!.code, zh);
    assert.equal(said.notice.template, "code_wrong");
    assert.equal(odoo.store.row("res.partner", firm.clients.xiaohua.partnerId)!.lexreply_line_user_id ?? false, false);
  });

  it("creates DATA_DIR 0700 and its database, WAL and SHM files 0600, whatever the umask", () => {
    const fresh = join(dir, "new-data");
    const old = process.umask(0o022);
    try {
      db = openLineDb(fresh);
      db!.prepare(`INSERT INTO link_requests (line_user_id, lang) VALUES ('U1', 'en')`).run();
    } finally {
      process.umask(old);
    }
    assert.equal(mode(fresh), 0o700);
    for (const suffix of ["", "-wal", "-shm"]) assert.equal(mode(lineDbPath(fresh) + suffix), 0o600, `line-outbox.sqlite${suffix}`);
  });

  it("tightens a looser folder and files left by an older version at start, and says so in the log", () => {
    const loose = join(dir, "old-data");
    mkdirSync(loose);
    chmodSync(loose, 0o755);
    for (const suffix of ["", "-wal", "-shm"]) {
      writeFileSync(lineDbPath(loose) + suffix, "");
      chmodSync(lineDbPath(loose) + suffix, 0o644);
    }
    const { log, lines } = capturingLog();
    db = openLineDb(loose, { log });
    assert.equal(mode(loose), 0o700);
    for (const suffix of ["", "-wal", "-shm"]) assert.equal(mode(lineDbPath(loose) + suffix), 0o600);
    const tightened = lines.filter((l) => String(l.msg).includes("tightened permissions"));
    assert.deepEqual(tightened.map((l) => l.was).sort(), ["644", "644", "644", "755"]);
  });

  it("refuses a shared folder such as /tmp as DATA_DIR instead of locking everyone else out of it", () => {
    const shared = join(dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    assert.throws(() => openLineDb(shared), /shared folder/);
    assert.equal(mode(shared), 0o777);
  });

  it("moves nothing when the account already linked does not answer within the code's lifetime", async () => {
    let now = Date.now();
    const { l, mails, told } = linking({ now: () => now });
    const meiling = firm.clients.meiling;
    const newcomer = "U7777777777777777777777777777777a";
    await l.handleText(newcomer, meiling.email as string, zh);
    const asked = await l.handleText(newcomer, mails[0]!.code, zh);
    assert.equal(asked.notice.template, "move_asked");
    assert.deepEqual(told.map((t) => [t.to, t.said.notice.template]), [[meiling.lineUserId, "move_confirm"]]);
    assert.equal((await l.handleText(newcomer, "hello?", zh)).notice.template, "move_pending");
    now += CODE_TTL_MS + 1;
    assert.equal(await l.answerMove(meiling.lineUserId, "同意轉移"), null, "too late: an ordinary message");
    assert.equal(odoo.store.row("res.partner", meiling.partnerId)!.lexreply_line_user_id, meiling.lineUserId);
    assert.equal((await l.handleText(newcomer, "hello?", zh)).notice.template, "welcome", "the newcomer may start again");
    l.prune();
    assert.equal((db!.prepare(`SELECT COUNT(*) AS n FROM link_moves`).get() as { n: number }).n, 0);
  });

  it("mails at most three codes an hour to one client and three for one LINE user, answering every time as if it had", async () => {
    let now = Date.now();
    const { l, mails } = linking({ now: () => now });
    const zhiming = firm.clients.zhiming;
    const replies: string[] = [];
    for (let i = 0; i < CODE_MAILS_PER_HOUR + 2; i++) {
      const said = await l.handleText(`Ustranger${i}`, zhiming.email as string, zh);
      replies.push(JSON.stringify(said));
    }
    assert.equal(mails.filter((m) => m.partnerId === zhiming.partnerId).length, CODE_MAILS_PER_HOUR, "per client");
    assert.equal(new Set(replies).size, 1, "the same answer whether mailed or not");

    const addresses = [firm.clients.emily, firm.clients.xiaohua, firm.clients.datong, firm.clients.company].map((c) => c.email as string);
    const before = mails.length;
    for (const address of addresses) {
      now += 61_000; // past the one-a-minute spacing
      await l.handleText("Uone-user", address, zh);
    }
    assert.equal(mails.length - before, CODE_MAILS_PER_HOUR, "per LINE user");
    now += 3_600_000;
    await l.handleText("Uone-user", addresses[3]!, zh);
    assert.equal(mails.length - before, CODE_MAILS_PER_HOUR + 1, "an hour later, again");
  });
});

describe("LINE outbox pruning and rate limit (units)", () => {
  let dir: string;
  let db: LineDb;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lexreply-prune-"));
    db = openLineDb(dir);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const event = (id: string, user: string, text: string): LineEvent => ({
    type: "message",
    webhookEventId: id,
    timestamp: Date.now(),
    source: { type: "user", userId: user },
    message: { id: `m-${id}`, type: "text", text },
  });

  it("forgets handled and dead events (their client texts with them) after LINE_OUTBOX_KEEP_DAYS, keeps pending and recent ones, and the file no longer holds the text", () => {
    const day = 24 * 3_600_000;
    let now = Date.now();
    const outbox = new Outbox(db, () => now, 3);
    outbox.accept([event("old-done", "U1", "SECRET-old-done"), event("old-dead", "U2", "SECRET-old-dead"), event("pending", "U3", "still waiting")]);
    const [done, dead] = outbox.due(10, new Set()).filter((e) => e.event.webhookEventId !== "pending");
    outbox.done(done!);
    outbox.giveUp(dead!, "Odoo said no");
    now += 2 * day;
    outbox.accept([event("recent-done", "U4", "recent")]);
    outbox.done(outbox.due(10, new Set()).find((e) => e.event.webhookEventId === "recent-done")!);
    assert.equal(outbox.prune(), 0, "nothing is 3 days old yet");
    now += 1.5 * day;
    assert.equal(outbox.prune(), 2);
    const left = db.prepare(`SELECT webhook_event_id, status FROM events ORDER BY seq`).all();
    assert.deepEqual(left, [
      { webhook_event_id: "pending", status: "pending" },
      { webhook_event_id: "recent-done", status: "done" },
    ]);
    assert.deepEqual(outbox.accept([event("recent-done", "U4", "recent")]), [false], "a kept id still recognises a redelivery");
    db.pragma("wal_checkpoint(TRUNCATE)");
    for (const f of filesUnder(dir)) assert.equal(f.bytes.indexOf("SECRET-old"), -1, `pruned text still in ${f.path}`);
  });

  it("counts an event once however often it is retried, and refuses once per hour with one first refusal", () => {
    let now = 0;
    const limit = new RateLimit(2, () => now);
    assert.deepEqual(limit.check("U1", "e1"), { allowed: true, firstRefusal: false });
    assert.deepEqual(limit.check("U1", "e1"), { allowed: true, firstRefusal: false }, "a retry of e1");
    assert.equal(limit.check("U1", "e2").allowed, true);
    assert.deepEqual(limit.check("U1", "e3"), { allowed: false, firstRefusal: true });
    assert.deepEqual(limit.check("U1", "e4"), { allowed: false, firstRefusal: false });
    assert.equal(limit.check("U2", "e5").allowed, true, "per key");
    now += 3_600_001;
    assert.deepEqual(limit.check("U1", "e6"), { allowed: true, firstRefusal: false });
  });
});
