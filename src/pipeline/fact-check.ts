import { CASE_NUMBER, type ClientFacts } from "./client-facts.js";

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const MONTH_RE = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?";

const pad = (n: number) => String(n).padStart(2, "0");
const monthIndex = (name: string) => MONTHS.findIndex((m) => m.startsWith(name.toLowerCase().slice(0, 3))) + 1;

interface DateMention {
  text: string;
  /** `YYYY-MM-DD`, or `--MM-DD` when the text gives no year. */
  value: string;
}

// Each pattern turns a match into [year | null, month, day]; ROC years (民國 115 年) are Gregorian minus 1911.
const DATE_PATTERNS: [RegExp, (m: RegExpExecArray) => [number | null, number, number]][] = [
  [/(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)/g, (m) => [+m[1]!, +m[2]!, +m[3]!]],
  [/(?:民國)?\s*(\d{2,4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日號]/g, (m) => [+m[1]! < 1000 ? +m[1]! + 1911 : +m[1]!, +m[2]!, +m[3]!]],
  [/(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日號]/g, (m) => [null, +m[1]!, +m[2]!]],
  [/(?<!\d)(\d{3})[/.](\d{1,2})[/.](\d{1,2})(?!\d)/g, (m) => [+m[1]! + 1911, +m[2]!, +m[3]!]],
  [new RegExp(`\\b${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\s+(\\d{4}))?`, "gi"), (m) => [m[3] ? +m[3] : null, monthIndex(m[1]!), +m[2]!]],
  [new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE}(?:,?\\s+(\\d{4}))?`, "gi"), (m) => [m[3] ? +m[3] : null, monthIndex(m[2]!), +m[1]!]],
];

export function findDates(text: string): DateMention[] {
  const found: DateMention[] = [];
  const taken: [number, number][] = [];
  for (const [re, parts] of DATE_PATTERNS) {
    for (const m of text.matchAll(re)) {
      const start = m.index;
      const end = start + m[0].length;
      if (taken.some(([s, e]) => start < e && end > s)) continue;
      const [y, mo, d] = parts(m as RegExpExecArray);
      if (mo < 1 || mo > 12 || d < 1 || d > 31) continue;
      taken.push([start, end]);
      found.push({ text: m[0].trim(), value: `${y === null ? "-" : y}-${pad(mo)}-${pad(d)}` });
    }
  }
  return found;
}

export function findCaseNumbers(text: string): string[] {
  return [...new Set(text.toUpperCase().match(CASE_NUMBER) ?? [])];
}

export interface CheckVerdict {
  passed: boolean;
  problems: string[];
  /** Case numbers and dates of the client's matters the answer states. */
  groundedFacts: string[];
}

/** What the check may accept: exactly the case numbers and dates the model was given. */
function knownFacts(facts: ClientFacts) {
  const numbers = new Set(facts.matters.map((m) => m.number.toUpperCase()));
  const dates = new Set(facts.matters.flatMap((m) => [m.next_event_date, ...m.updates.map((u) => u.date)]).filter(Boolean).map((d) => d.slice(0, 10)));
  return { numbers, dates };
}

/**
 * Every case number and date in the answer (and in the model's own list of what it relied on)
 * must appear in the client's facts. An answer that fails is never sent.
 */
export function checkAnswer(answer: string, claimed: { case_numbers: string[]; dates: string[] }, facts: ClientFacts): CheckVerdict {
  const known = knownFacts(facts);
  const problems: string[] = [];
  const grounded = new Set<string>();
  for (const n of new Set([...findCaseNumbers(answer), ...claimed.case_numbers.map((c) => c.toUpperCase())])) {
    if (known.numbers.has(n)) grounded.add(n);
    else problems.push(`case number ${n} is not one of this client's matters`);
  }
  // A claimed date the parser cannot read counts as unsupported, never as nothing.
  const claimedDates = claimed.dates.flatMap((d) => {
    const found = findDates(d);
    return found.length ? found : [{ text: d, value: "invalid" }];
  });
  const mentions = [...findDates(answer), ...claimedDates];
  for (const { text, value } of mentions) {
    // A date written without its year stands for the matter's date with that month and day.
    const matches = value.startsWith("--") ? [...known.dates].filter((d) => d.endsWith(value.slice(1))) : known.dates.has(value) ? [value] : [];
    if (matches.length) matches.forEach((d) => grounded.add(d));
    else problems.push(`date "${text}" does not appear in the matter's facts`);
  }
  if (answer.trim() === "") problems.push("the answer is empty");
  return { passed: problems.length === 0, problems: [...new Set(problems)], groundedFacts: [...grounded] };
}
