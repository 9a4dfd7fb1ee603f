import assert from "node:assert/strict";
import { activities, chatter, clientAsks, startHarness, ticket, type Harness } from "./helpers/harness.js";
import { htmlToText } from "../src/pipeline/text.js";

const DAY_MS = 86_400_000;
const iso = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);
const ZH = "〇一二三四五六七八九";
/** 1…31 in Chinese numerals: 12 → 十二, 31 → 三十一. */
const zh = (n: number) => (n < 10 ? ZH[n]! : `${n >= 20 ? ZH[Math.floor(n / 10)] : ""}十${n % 10 ? ZH[n % 10] : ""}`);

/** Whatever reached the client: the sidecar's comments (Odoo mails them). */
function toClient(h: Harness, ticketId: number): string {
  const bot = h.odoo.store.row("res.users", h.firm.users.bot)!.partner_id;
  return chatter(h, ticketId).filter((m) => m.subtype === "comment" && m.author_id === bot).map((m) => htmlToText(m.body)).join("\n");
}
const notes = (h: Harness, ticketId: number) => chatter(h, ticketId).filter((m) => m.subtype === "note").map((m) => htmlToText(m.body)).join("\n");

// 陳美玲's open matter in the sample firm: 2026-FAM-0012, next event in 12 days "下午 2:30 言詞辯論", on an `auto` team.
const BASE = "您的案件 2026-FAM-0012 已排定言詞辯論，";

describe("fact check in the answer pipeline (an invented fact never reaches the client)", function () {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  /**
   * The model adds `phrase` (stating `token`) to a grounded answer: the ticket is escalated, the client
   * gets only the holding reply, the note names the token, the draft keeps the answer for a paralegal.
   */
  async function neverSent(phrase: string, token: string, answer = `${BASE}${phrase}。`) {
    h.model.enqueue({ kind: "answer", answer, case_numbers: ["2026-FAM-0012"] });
    const { ticketId } = await clientAsks(h, h.firm.clients.meiling.partnerId, "我的案件進度如何？");
    const t = ticket(h, ticketId);
    assert.equal(t.lexreply_state, "escalated", `${phrase}: ${t.lexreply_state}`);
    const client = toClient(h, ticketId);
    assert.match(client, /承辦人員/, "the client got the holding reply");
    assert.ok(!client.includes(phrase) && !client.includes(token), `${token} reached the client: ${client}`);
    const note = notes(h, ticketId);
    assert.match(note, /failed the fact check/);
    assert.ok(note.includes(`"${token}"`), `the note names ${token}: ${note}`);
    assert.ok(String(t.lexreply_draft).includes(answer), "the draft keeps the answer for a paralegal");
    assert.equal(activities(h, ticketId).length, 1);
  }

  it("case number: another matter's, written full-width", async () => {
    await neverSent("另案 ２０２６－ＣＩＶ－００９９ 亦進行中", "2026-CIV-0099");
  });

  it("date: in Chinese numerals, with no year", async () => {
    // 45 days on: no date of the sample firm's matters, nor today.
    const [, m, d] = iso(45).split("-").map(Number) as [number, number, number];
    await neverSent(`開庭日為${zh(m)}月${zh(d)}日`, `${m}月${d}日`);
  });

  it("time: one the matter's next event does not give", async () => {
    await neverSent("時間為下午 3:30", "下午 3:30");
  });

  it("money: an amount in none of the matters", async () => {
    await neverSent("對造請求新台幣 80 萬元", "新台幣 80 萬元");
  });

  it("court docket number", async () => {
    await neverSent("案號 115年度訴字第1234號", "115年度訴字第1234號");
  });

  it("relative date", async () => {
    await neverSent("下週二開庭", "下週二");
  });

  it("outcome: a result the matter's facts do not state", async () => {
    await neverSent("已判決勝訴", "勝訴");
  });

  it("e-mail address that is not the firm's", async () => {
    await neverSent("補件請寄 wang.lawyer@gmail.com", "wang.lawyer@gmail.com");
  });

  it("phone number that is not the firm's", async () => {
    await neverSent("請撥 0933-111-222", "0933-111-222");
  });

  it("link that is not the firm's", async () => {
    await neverSent("進度請見 https://bit.ly/3abcd", "https://bit.ly/3abcd");
  });

  it("sends an answer that states only the matter's facts plus today's date, in the forms a model writes them", async () => {
    const [y, m, d] = iso(12).split("-").map(Number) as [number, number, number];
    const answer = `截至今天（${iso(0)}），您的案件 2026-FAM-0012 已排定於民國${y - 1911}年${m}月${d}日下午兩點半言詞辯論（${m}月${d}日 14:30）。`;
    h.model.enqueue({ kind: "answer", answer, case_numbers: ["2026-FAM-0012"], dates: [iso(12)] });
    const { ticketId } = await clientAsks(h, h.firm.clients.meiling.partnerId, "下次開庭是什麼時候？");
    const t = ticket(h, ticketId);
    assert.equal(t.lexreply_state, "sent", notes(h, ticketId));
    assert.ok(toClient(h, ticketId).includes(`截至今天（${iso(0)}）`));
    assert.match(notes(h, ticketId), /check passed \(facts: 2026-FAM-0012, [^)]*\)/);
    assert.ok(!notes(h, ticketId).includes(`facts: 2026-FAM-0012, ${iso(0)}`), "today's date is no fact of the matter");
  });

  it("holds yesterday's date given as today: only the pipeline's own today is grounded", async () => {
    await neverSent(`截至今天（${iso(-1)}）`, iso(-1), `截至今天（${iso(-1)}），您的案件 2026-FAM-0012 已排定言詞辯論。`);
  });
});
