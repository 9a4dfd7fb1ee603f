import { WEEKDAY, WEEKDAY_EN } from "./dates.js";
import { findAll, type Extractor } from "./tokens.js";

const N_ZH = "[\\d一二兩两三四五六七八九十幾几數数半]+";
const N_EN = "(?:\\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|several|a couple of|couple of)";


// A date stated relative to some day cannot be checked against the matter's dates: it always fails.
const RELATIVE = [
  new RegExp(
    [
      "大後天|大后天|後天|后天|明天|明日|明早|明晚|昨天|昨日|前天|隔天|隔日|翌日|次日|今晚",
      "(?:下下|下|上|這|这|本|今)\\s*(?:個|个)?\\s*(?:週|周|星期|禮拜|礼拜)\\s*[一二三四五六日天1-7]?",
      "(?:下|上)\\s*(?:個|个)?\\s*月|月底|月初|年底|年初|明年|去年|週末|周末",
      `${N_ZH}\\s*(?:天|日|週|周|個月|个月|個星期|个星期|個禮拜|年)\\s*(?:後|后|以後|之後|內|内|以內|之內|前|以前)`,
      "過幾天|过几天|近日內|近期內",
    ].join("|"),
    "g",
  ),
  new RegExp(
    [
      "\\b(?:tomorrow|yesterday|tonight|overmorrow)\\b",
      `\\b(?:next|last|this|coming|following)\\s+(?:week(?:end)?|month|year|${WEEKDAY_EN})\\b`,
      `\\b(?:in|within|after)\\s+(?:the\\s+next\\s+)?${N_EN}\\s+(?:business\\s+|working\\s+)?(?:days?|weeks?|months?|years?)\\b`,
      `\\b${N_EN}\\s+(?:business\\s+|working\\s+)?(?:days?|weeks?|months?|years?)\\s+(?:from now|later|ago|after)\\b`,
      "\\b(?:later|earlier)\\s+this\\s+(?:week|month|year)\\b",
      "\\b(?:the\\s+)?end\\s+of\\s+(?:the|this|next)\\s+(?:week|month|year)\\b",
    ].join("|"),
    "gi",
  ),
];

/** 下週二, 明天, 三天後, tomorrow, next Tuesday, in two weeks: never grounded. */
export const relativeDates: Extractor = {
  kind: "relative_date",
  find: (text) => RELATIVE.flatMap((re) => findAll(text, re, () => [])),
};

/** A weekday on its own (週二開庭, on Tuesday) is a relative date; one written with a date belongs to the date. */
export const weekdays: Extractor = {
  kind: "relative_date",
  find: (text) => findAll(text, WEEKDAY, () => []),
};
