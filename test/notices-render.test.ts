import assert from "node:assert/strict";
import { clientLanguage, renderReminder, renderUpdate } from "../src/notices/render.js";
import { noticeChoice } from "../src/notices/opt-words.js";
import type { Matter } from "../src/notices/odoo-notices.js";
import { Templates } from "../src/templates/renderer.js";

const templates = new Templates();

function matter(lang: "zh_TW" | "en_US", court: string | false): Matter {
  const en = lang === "en_US";
  return {
    id: 1,
    number: en ? "2026-CON-0003" : "2026-FAM-0012",
    name: en ? "Distribution agreement review" : "離婚及未成年子女親權酌定事件",
    state: "hearing_scheduled",
    active: true,
    court,
    next_event_date: "2026-12-14",
    next_event: en ? "2:30 pm oral argument" : "下午 2:30 言詞辯論",
    lexreply_notice_policy: "auto",
    partner_id: { id: 7, name: en ? "Emily Carter" : "陳美玲", lang, email: "c@example.tw", is_company: false, lexreply_notify: true, lexreply_line_user_id: false, commercial_partner_id: false },
  };
}

describe("notice templates (as the client reads them)", () => {
  it("a case update in zh-TW on LINE: the update's date and words, the matter named, how to stop", () => {
    const update = { id: 9, date: "2026-12-02", summary: "法院已排定言詞辯論期日。", client_visible: true, case_id: matter("zh_TW", "臺灣臺北地方法院") };
    const { lang, text } = renderUpdate(templates, update, true);
    assert.equal(lang, "zh-TW");
    assert.equal(
      text,
      [
        "陳美玲 您好：",
        "",
        "您的案件「離婚及未成年子女親權酌定事件」（案號 2026-FAM-0012）有新的進度：",
        "",
        "2026年12月2日（星期三）",
        "法院已排定言詞辯論期日。",
        "",
        "如有任何問題，歡迎直接回覆這則訊息，我們會盡快與您聯繫。",
        "",
        "（若不想再收到案件通知，請回覆「停止通知」。）",
      ].join("\n"),
    );
  });

  it("a reminder in English by e-mail: the date with its weekday, the event text, the court; no LINE words", () => {
    const { lang, text } = renderReminder(templates, matter("en_US", "Taipei District Court"), "2026-12-14", false);
    assert.equal(lang, "en");
    assert.equal(
      text,
      [
        "Dear Emily Carter,",
        "",
        'A reminder: the next event in your matter "Distribution agreement review" (2026-CON-0003) is on',
        "",
        "Monday, 14 December 2026, 2:30 pm oral argument",
        "at Taipei District Court",
        "",
        "Please keep the time free. If you cannot attend or have any questions, reply to this message as soon as possible.",
      ].join("\n"),
    );
  });

  it("a reminder without a court leaves no empty place line", () => {
    const { text } = renderReminder(templates, matter("zh_TW", false), "2026-12-14", false);
    assert.doesNotMatch(text, /地點/);
    assert.match(text, /2026年12月14日（星期一） 下午 2:30 言詞辯論\n\n請預留/);
  });

  it("the client's language comes from the contact's lang, zh-TW when unset", () => {
    assert.deepEqual([clientLanguage("en_US"), clientLanguage("zh_TW"), clientLanguage(false), clientLanguage("ja_JP")], ["en", "zh-TW", "zh-TW", "zh-TW"]);
  });

  it("the stop and start words come from labels.json, in either language, whatever the spacing or width", () => {
    assert.equal(noticeChoice(templates, "停止通知"), false);
    assert.equal(noticeChoice(templates, "  STOP   notices "), false);
    assert.equal(noticeChoice(templates, "開啟通知"), true);
    assert.equal(noticeChoice(templates, "ｓｔａｒｔ notices"), true);
    assert.equal(noticeChoice(templates, "請問何時停止通知？"), null, "a question mentioning the words is a question");
  });
});
