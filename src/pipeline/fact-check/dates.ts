import { findAll, type Extractor, type Found } from "./tokens.js";

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTH = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?";
const ORD = "(?:st|nd|rd|th)?";

const pad = (n: number) => String(n).padStart(2, "0");
const monthOf = (name: string) => MONTHS.indexOf(name.toLowerCase().slice(0, 3)) + 1;
/** ROC (民國) years are Gregorian minus 1911; a year under 1000 is taken as ROC. */
const gregorian = (y: number) => (y < 1000 ? y + 1911 : y);

/** `YYYY-MM-DD`, or `--MM-DD` without a year; null for a day that does not exist. */
export function dateValue(y: number | null, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1) return null;
  const days = new Date(Date.UTC(y ?? 2024, m, 0)).getUTCDate();
  if (d > days) return null;
  return `${y === null ? "-" : y}-${pad(m)}-${pad(d)}`;
}

const one = (y: number | null, m: number, d: number) => {
  const v = dateValue(y, m, d);
  return v ? [v] : null;
};
/** Day and month that could be either way round (`03/12/2026`): every reading that is a real date. */
const either = (y: number | null, a: number, b: number) => {
  const vs = [dateValue(y, a, b), dateValue(y, b, a)].filter((v): v is string => v !== null);
  return vs.length ? [...new Set(vs)] : null;
};

// Most specific first: a pattern later in the list never re-reads a span an earlier one took.
const PATTERNS: [RegExp, (m: RegExpExecArray) => string[] | null][] = [
  [/(?:民國|民国|ROC)?\s*(\d{2,4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日號号]?/gi, (m) => one(gregorian(+m[1]!), +m[2]!, +m[3]!)],
  [/(?<![\d.])(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?![\d])/g, (m) => one(+m[1]!, +m[2]!, +m[3]!)],
  [/(?<![\d./-])(\d{3})[/.-](\d{1,2})[/.-](\d{1,2})(?![\d])/g, (m) => one(+m[1]! + 1911, +m[2]!, +m[3]!)],
  [/(?<![\d./-])(\d{1,2})\s*\/\s*(\d{1,2})\s*\/\s*(\d{4})(?!\d)/g, (m) => either(+m[3]!, +m[1]!, +m[2]!)],
  [/(?<![\d./-])(\d{1,2})[.-](\d{1,2})[.-](\d{4})(?!\d)/g, (m) => one(+m[3]!, +m[2]!, +m[1]!)],
  [new RegExp(`\\b${MONTH}\\s+(\\d{1,2})${ORD}(?:\\s*,?\\s*(\\d{4}))?(?![\\d:])`, "gi"), (m) => one(m[3] ? +m[3] : null, monthOf(m[1]!), +m[2]!)],
  [new RegExp(`\\b(\\d{1,2})${ORD}\\s+(?:of\\s+)?${MONTH}(?:\\s*,?\\s*(\\d{4}))?\\b`, "gi"), (m) => one(m[3] ? +m[3] : null, monthOf(m[2]!), +m[1]!)],
  [/(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日號号]/g, (m) => one(null, +m[1]!, +m[2]!)],
  // "24/7" is a service promise, not July 24th.
  [/(?<![\d./$-])(\d{1,2})\/(\d{1,2})(?![\d/%])/g, (m) => (m[0] === "24/7" ? null : either(null, +m[1]!, +m[2]!))],
];

export const WEEKDAY_EN = "(?:mon|tues|wednes|thurs|fri|satur|sun)day";
const WEEKDAYS_ZH = "日天一二三四五六";
const WEEKDAYS_EN = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
export const WEEKDAY = new RegExp(`(?:星期|週|周|禮拜|礼拜)([${WEEKDAYS_ZH}])|\\b(${WEEKDAY_EN})\\b`, "gi");
const weekdayIndex = (m: RegExpExecArray) => (m[1] ? Math.max(0, WEEKDAYS_ZH.indexOf(m[1]) - 1) : WEEKDAYS_EN.indexOf(m[2]!.slice(0, 3).toLowerCase()));
const WEEKDAY_AFTER = new RegExp(`^[\\s(,、，]{0,3}(?:${WEEKDAY.source})[)]?`, "i");
const WEEKDAY_BEFORE = new RegExp(`(?:${WEEKDAY.source})[\\s,，]{0,3}$`, "i");
const YEARS = Array.from({ length: 41 }, (_, i) => 2010 + i);
const weekdayOf = (iso: string) => new Date(`${iso}T00:00:00Z`).getUTCDay();

/**
 * `12月15日（星期二）`, `Tuesday, December 15, 2026`: the weekday is part of the date. A date with a year
 * on another weekday never matches; one without a year stands for the years it falls on that weekday.
 */
function withWeekday(text: string, f: Found): Found {
  const after = WEEKDAY_AFTER.exec(text.slice(f.end));
  const before = after ? null : WEEKDAY_BEFORE.exec(text.slice(0, f.start));
  const m = after ?? before;
  if (!m) return f;
  const day = weekdayIndex(m);
  const values = f.values.flatMap((v) => (v.startsWith("--") ? YEARS.map((y) => `${y}${v.slice(1)}`) : [v])).filter((v) => weekdayOf(v) === day);
  const start = before ? f.start - m[0].length : f.start;
  const end = after ? f.end + m[0].length : f.end;
  return { text: text.slice(start, end), start, end, values };
}

/** Dates in every written form: ISO, y/m/d, m/d/y, d.m.y, 民國 and 中文 forms, English month names, without a year. */
export const dates: Extractor = {
  kind: "date",
  find: (text) => PATTERNS.flatMap(([re, read]) => findAll(text, re, read)).sort((a, b) => a.start - b.start || b.end - a.end).filter(notInside).map((f) => withWeekday(text, f)),
};

/** The patterns overlap (`2026年12月16日` also holds `12月16日`): keep the widest reading of a span. */
function notInside(f: Found, i: number, all: Found[]): boolean {
  return !all.some((g, j) => j !== i && g.start <= f.start && g.end >= f.end && (g.end - g.start > f.end - f.start || j < i));
}
