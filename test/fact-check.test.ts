import assert from "node:assert/strict";
import { checkAnswer, describeFailures, findDates, findTokens, type CheckOptions, type TokenKind } from "../src/pipeline/fact-check.js";
import { normalize, parseChineseNumber } from "../src/pipeline/fact-check/normalize.js";
import type { ClientFacts, MatterFacts } from "../src/pipeline/client-facts.js";

const matter: MatterFacts = {
  id: 1, number: "2026-FAM-0012", title: "離婚訴訟", case_type: "family", case_type_label: "家事", state: "hearing_scheduled",
  state_label: "已排定開庭", closed: false, court: "臺北地方法院", next_event_date: "2026-12-15", next_event: "下午 2:30 言詞辯論",
  lawyer: "王律師", summary: "對造請求新台幣 60 萬元。", paralegal_user_id: 7,
  updates: [
    { date: "2026-11-20", summary: "法院通知 115年度家訴字第88號 期日；補件請洽 02-2700-1234 或 docs@court.example.tw。" },
    { date: "2026-11-10", summary: "已提出答辯狀，詳見 https://portal.mingli-law.example.tw/c/12" },
  ],
};
const settled: MatterFacts = {
  ...matter, id: 2, number: "2025-COM-0019", title: "貨款爭議", state: "settled", state_label: "已和解", next_event_date: "", next_event: "",
  summary: "The parties settled; the buyer pays NT$1,200,000.", updates: [],
};
const facts: ClientFacts = { partnerId: 1, name: "陳美玲", matters: [matter] };
const none = { case_numbers: [], dates: [] };
const opts: CheckOptions = { today: "2026-12-02", firm: { domains: ["mingli-law.example.tw"], phones: ["+886 2 2345 6789"] } };
const check = (answer: string, f: ClientFacts = facts) => checkAnswer(`您的案件 2026-FAM-0012 ${answer}`, none, f, opts);

/** Every answer must be held, naming a token of `kind`. */
function holds(kind: TokenKind, answers: string[], f: ClientFacts = facts) {
  for (const a of answers) {
    const v = check(a, f);
    assert.equal(v.passed, false, `should hold: ${a}`);
    assert.ok(v.failures?.some((x) => x.kind === kind), `should name a ${kind} in "${a}": ${v.problems.join("; ")}`);
  }
}

/** Every answer must pass, and the token of `kind` in it must have been recognised (not passed by being overlooked). */
function passes(kind: TokenKind, answers: string[], f: ClientFacts = facts) {
  for (const a of answers) {
    const v = check(a, f);
    assert.deepEqual(v.problems, [], `should pass: ${a}`);
    assert.ok(findTokens(a).some((t) => t.kind === kind), `a ${kind} should be recognised in "${a}"`);
  }
}

describe("fact check", () => {
  describe("normalization", () => {
    it("turns full-width characters, every dash and the Chinese numerals of dates, times and amounts into ASCII digits", () => {
      assert.equal(normalize("２０２６－ＣＩＶ－００９９"), "2026-CIV-0099");
      assert.equal(normalize("2026–FAM—0012"), "2026-FAM-0012");
      assert.equal(normalize("民國一一五年十二月十六日"), "民國115年12月16日");
      assert.equal(normalize("二〇二六年十二月十六日"), "2026年12月16日");
      assert.equal(normalize("新臺幣一百二十萬元"), "新臺幣120萬元");
      assert.equal(normalize("下午兩點半"), "下午2點半");
    });
    it("leaves numerals that are words alone: 千萬, 有兩點, 一些", () => {
      assert.equal(normalize("千萬不要 有兩點要注意 一些文件"), "千萬不要 有兩點要注意 一些文件");
    });
    it("reads Chinese numbers positionally and digit by digit", () => {
      assert.equal(parseChineseNumber("一百一十五"), 115);
      assert.equal(parseChineseNumber("一一五"), 115);
      assert.equal(parseChineseNumber("十二"), 12);
      assert.equal(parseChineseNumber("二十"), 20);
    });
  });

  describe("case numbers", () => {
    it("holds another matter's number, full-width, lower-case or with en dashes", () => {
      holds("case_number", ["另案 ２０２６－ＣＩＶ－００９９", "與 2026-fam-0099 合併", "2026–FAM–0013"]);
    });
    it("passes the client's own number however it is written", () => {
      passes("case_number", ["（２０２６－ＦＡＭ－００１２）", "2026-fam-0012"]);
    });
  });

  describe("dates", () => {
    it("holds a date in none of the matters, in every written form", () => {
      holds("date", [
        "２０２６年１２月１６日開庭", "12/16/2026", "十二月十六日", "民國115年12月16日", "115/12/16", "2026-12-16", "2026/12/16", "12月16日",
        "二〇二六年十二月十六日", "December 16, 2026", "Dec 16", "16 December 2026", "16.12.2026", "12/16", "the 20th of December",
      ]);
    });
    it("passes the matter's dates in every written form, with or without a year", () => {
      passes("date", ["12月15日", "民國115年12月15日", "Dec 15", "十二月十五日", "115/12/15", "２０２６年１２月１５日", "15 December 2026", "12/15/2026", "11月20日"]);
    });
    it("passes today's date, which the prompt gives, and names it no fact of the matter", () => {
      passes("date", ["as of today (2026-12-02)", "今天是12月2日", "民國一一五年十二月二日"]);
      assert.deepEqual(check("as of today (2026-12-02)").groundedFacts, ["2026-FAM-0012"]);
    });
    it("holds a date whose weekday is wrong, passes one whose weekday is right", () => {
      holds("date", ["12月15日（星期三）開庭", "Wednesday, December 15, 2026"]);
      passes("date", ["12月15日（星期二）開庭", "Tuesday, December 15, 2026", "星期二12月15日"]);
    });
    it("takes the today of the options: yesterday's today is an ungrounded date", () => {
      assert.equal(checkAnswer("as of today (2026-12-02)", none, facts, { today: "2026-12-03" }).passed, false);
      assert.equal(checkAnswer("as of today (2026-12-02)", none, facts, { today: new Date("2026-12-02T15:00:00Z") }).passed, true);
    });
    it("does not read 24/7 as a date", () => {
      assert.ok(check("We are reachable 24/7.").passed);
    });
    it("reads dates for the eval as YYYY-MM-DD, or --MM-DD without a year", () => {
      assert.deepEqual(findDates("115/12/03 與 2026/12/3 及 12月3日").map((d) => d.value), ["2026-12-03", "2026-12-03", "--12-03"]);
    });
  });

  describe("times", () => {
    it("holds a time the matter does not give", () => {
      holds("time", ["下午 3:30 開庭", "下午兩點開庭", "15:00 開庭", "上午十點", "下午2點45分", "3:30 PM", "4 pm", "3.30pm"]);
    });
    it("passes the next event's time however it is written", () => {
      passes("time", ["下午 2:30", "下午兩點半", "14:30", "2:30 pm", "2.30pm", "2:30", "14時30分"]);
    });
    it("does not read a list's points as a clock time", () => {
      assert.ok(check("有兩點需要注意：第3點是補件。").passed);
    });
  });

  describe("money", () => {
    it("holds an amount in none of the matters", () => {
      holds("money", ["新台幣 80 萬元", "NT$ 15,000", "1,500,000元", "新臺幣一百二十萬元", "5萬", "$25,000", "NT$1.5 million", "80,000 dollars", "2萬5000元"]);
    });
    it("passes the matter's amount however it is written", () => {
      passes("money", ["新台幣60萬元", "NT$600,000", "六十萬元", "600,000元", "$600k"]);
    });
  });

  describe("court docket numbers", () => {
    it("holds another docket number", () => {
      holds("docket", ["115年度訴字第1234號", "115年度家訴字第89號", "114年度家訴字第88號"]);
    });
    it("passes the matter's docket number, also in Chinese numerals", () => {
      passes("docket", ["115年度家訴字第88號", "一一五年度家訴字第八十八號"]);
    });
  });

  describe("relative dates", () => {
    it("always holds them, since they cannot be checked", () => {
      holds("relative_date", ["下週二開庭", "明天", "三天後", "下個月", "週五寄出", "月底前", "tomorrow", "next Tuesday", "in two weeks", "on Friday", "3 days from now"]);
    });
    it("does not take a date followed by 前 for a relative one", () => {
      passes("date", ["12月15日前請補件"]);
    });
  });

  describe("outcomes", () => {
    it("holds an outcome the matter's facts do not state", () => {
      holds("outcome", ["已判決勝訴", "敗訴", "雙方已和解", "請求被駁回", "一定會打贏", "贏面很大", "恐怕會輸", "you won", "was lost", "has been settled", "was dismissed", "a judgment was entered"]);
    });
    it("passes an outcome the state, the summary or an update states, in either language", () => {
      const f: ClientFacts = { ...facts, matters: [settled] };
      for (const a of ["已和解", "the matter was settled"]) assert.ok(checkAnswer(`案件 2025-COM-0019 ${a}`, none, f, opts).passed, a);
    });
    it("does not ground an outcome on a matter's title", () => {
      const f: ClientFacts = { ...facts, matters: [{ ...matter, title: "和解契約審閱" }] };
      holds("outcome", ["已和解"], f);
    });
    it("does not read won't as won", () => {
      assert.ok(check("We won't know more until 12月15日.").passed);
    });
  });

  describe("e-mail addresses, phone numbers and links", () => {
    it("holds contacts that are neither in the matters nor the firm's own, look-alikes included", () => {
      holds("email", ["請寄 wang.lawyer@gmail.com", "service@mingli-law.example.com"]);
      holds("phone", ["請撥 02-8765-4321", "0912-345-678", "(02)2700-1235", "+1 (415) 555-0199"]);
      holds("url", ["https://bit.ly/3abcd", "mingli-law.example.tw.evil.com/login", "www.court-status.example.com", "http://mingli-law.example.tw.phish.io/x"]);
    });
    it("passes the matters' own and the firm's own", () => {
      passes("email", ["docs@court.example.tw", "service@mingli-law.example.tw"]);
      passes("phone", ["02-2700-1234", "(02) 2345-6789", "+886 2 2345 6789", "+886-2-2700-1234"]);
      passes("url", ["https://portal.mingli-law.example.tw/c/12", "https://www.mingli-law.example.tw/faq", "mingli-law.example.tw"]);
    });
    it("without the firm's contacts configured, the firm's own are held too (fails closed)", () => {
      assert.equal(checkAnswer("請撥 (02) 2345-6789", none, facts, { today: "2026-12-02" }).passed, false);
    });
  });

  describe("the verdict", () => {
    it("names each failing token with its class, and describes them for the note", () => {
      const v = check("將於 12/16/2026 下午 3:30 開庭，下週二前請匯 NT$5,000。");
      assert.deepEqual(v.failures?.map((f) => [f.kind, f.token]), [["date", "12/16/2026"], ["time", "下午 3:30"], ["relative_date", "下週二"], ["money", "NT$5,000"]]);
      assert.match(describeFailures(v), /date "12\/16\/2026" does not appear in the matter's facts.*time "下午 3:30".*relative date "下週二" cannot be checked.*amount "NT\$5,000"/);
    });
    it("lists the matter's facts the answer states: case numbers, and dates as the matter's full dates", () => {
      const v = check("將於12月15日下午 2:30 開庭。");
      assert.deepEqual(new Set(v.groundedFacts), new Set(["2026-FAM-0012", "2026-12-15", "下午 2:30"]));
    });
    it("checks the case numbers and dates the model says it relied on, even if the text hides them", () => {
      assert.equal(checkAnswer("您的案件進行中。", { case_numbers: [], dates: ["2027-01-01"] }, facts, opts).passed, false);
      assert.equal(checkAnswer("您的案件進行中。", { case_numbers: ["2025-CIV-0001"], dates: [] }, facts, opts).passed, false);
      const unreadable = checkAnswer("您的案件進行中。", { case_numbers: [], dates: ["soon"] }, facts, opts);
      assert.deepEqual(unreadable.failures?.map((f) => [f.kind, f.token]), [["date", "soon"]]);
    });
    it("fails an empty answer", () => {
      assert.equal(checkAnswer("  ", none, facts, opts).passed, false);
    });
  });
});
