import assert from "node:assert/strict";
import { checkAnswer, findDates } from "../src/pipeline/fact-check.js";
import type { ClientFacts, MatterFacts } from "../src/pipeline/client-facts.js";

const matter: MatterFacts = {
  id: 1, number: "2026-FAM-0012", title: "離婚訴訟", case_type: "family", case_type_label: "家事", state: "hearing_scheduled",
  state_label: "已排定開庭", closed: false, court: "臺北地方法院", next_event_date: "2026-12-03", next_event: "下午 2:30 言詞辯論",
  lawyer: "王律師", summary: "", paralegal_user_id: 7, updates: [{ date: "2026-11-10", summary: "已提出答辯狀" }],
};
const facts: ClientFacts = { partnerId: 1, name: "陳美玲", matters: [matter] };
const none = { case_numbers: [], dates: [] };

describe("fact check", () => {
  it("accepts an answer whose case number and dates are all in the client's facts, in any common notation", () => {
    const v = checkAnswer("案件 2026-FAM-0012 將於民國115年12月3日開庭，11月10日已提出答辯狀；also December 3, 2026.", none, facts);
    assert.deepEqual(v.problems, []);
    assert.ok(v.passed);
    assert.deepEqual(new Set(v.groundedFacts), new Set(["2026-FAM-0012", "2026-12-03", "2026-11-10"]));
  });

  it("fails an invented case number, naming it", () => {
    const v = checkAnswer("您的案件 2026-FAM-0099 進行中。", none, facts);
    assert.equal(v.passed, false);
    assert.match(v.problems.join(), /2026-FAM-0099/);
  });

  it("fails an invented date, in ISO, Chinese and English forms alike", () => {
    for (const text of ["開庭日為 2026-12-04。", "開庭日為12月4日。", "The hearing is on 4 December 2026."]) {
      assert.equal(checkAnswer(text, none, facts).passed, false, text);
    }
  });

  it("fails a date the model claims to rely on even if the text hides it", () => {
    assert.equal(checkAnswer("您的案件進行中。", { case_numbers: [], dates: ["2027-01-01"] }, facts).passed, false);
    assert.equal(checkAnswer("您的案件進行中。", { case_numbers: ["2025-CIV-0001"], dates: [] }, facts).passed, false);
  });

  it("finds ROC-calendar and slash dates", () => {
    assert.deepEqual(findDates("115/12/03 與 2026/12/3").map((d) => d.value), ["2026-12-03", "2026-12-03"]);
  });

  it("fails an empty answer", () => {
    assert.equal(checkAnswer("  ", none, facts).passed, false);
  });
});
