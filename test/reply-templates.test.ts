import assert from "node:assert/strict";
import { Templates } from "../src/templates/renderer.js";

const matter = {
  number: "2026-FAM-0012",
  title: "離婚事件",
  state_label: "已排定開庭",
  updates: [{ date: "2026-11-21", summary: "法院已寄發開庭通知。" }],
  next_event_date: "2026-12-10",
  next_event: "言詞辯論",
  court: "臺灣臺北地方法院",
};

/** What a client reads in an e-mail answered without a model: the status inside the e-mail's frame. */
function templateAnswerEmail(lang: "zh-TW" | "en"): string {
  const t = new Templates();
  const body = t.render(lang, "reply/status", { matters: [matter], unknown_numbers: false });
  return t.render(lang, "reply/email", { client_name: "陳美玲", body });
}

describe("reply templates", () => {
  it("close an e-mail once: no 'we will contact you' followed by 'reply to this e-mail'", () => {
    const zh = templateAnswerEmail("zh-TW");
    assert.equal(zh.match(/其他問題/g)?.length, 1, zh);
    assert.doesNotMatch(zh, /再與您聯繫/);
    const en = templateAnswerEmail("en");
    assert.equal(en.match(/any other question|For anything else/gi)?.length, 1, en);
  });
});
