// With the financial forms (壹貳參…拾佰仟) that cheques, judgments and contracts write amounts in.
const DIGITS: Record<string, number> = {
  〇: 0, "○": 0, 零: 0, 一: 1, 壹: 1, 二: 2, 貳: 2, 贰: 2, 兩: 2, 两: 2, 三: 3, 參: 3, 叁: 3, 四: 4, 肆: 4,
  五: 5, 伍: 5, 六: 6, 陸: 6, 七: 7, 柒: 7, 八: 8, 捌: 8, 九: 9, 玖: 9,
};
const UNITS: Record<string, number> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000 };
const NUMERAL = "[〇○零一壹二貳贰兩两三參叁四肆五伍六陸七柒八捌九玖十拾百佰千仟]+";

/**
 * `十二` → 12, `一百一十五` → 115, and read digit by digit when there is no unit (`一一五` → 115,
 * `二〇二六` → 2026), as ROC years and Gregorian years are written.
 */
export function parseChineseNumber(s: string): number | null {
  const chars = [...s];
  if (chars.some((c) => !(c in DIGITS) && !(c in UNITS))) return null;
  if (!chars.some((c) => c in UNITS)) return Number(chars.map((c) => DIGITS[c]).join(""));
  let total = 0;
  let current = 0;
  for (const c of chars) {
    if (c in DIGITS) current = DIGITS[c]!;
    else {
      total += (current || 1) * UNITS[c]!;
      current = 0;
    }
  }
  return total + current;
}

const MERIDIEM_ZH = "上午|下午|早上|中午|晚上|凌晨|清晨|傍晚";

// Chinese numerals become digits only where they state a date, an amount or a clock time, so that
// words such as 一些, 千萬 (by all means) or 有兩點 (two points) are left alone.
const NUMERAL_CONTEXTS: RegExp[] = [
  new RegExp(`${NUMERAL}(?=\\s*[年月日號号元圓萬万億亿])`, "g"),
  new RegExp(`(?<=(?:${MERIDIEM_ZH})\\s*)${NUMERAL}(?=\\s*[點点時时])`, "g"),
  new RegExp(`${NUMERAL}(?=\\s*[點点時时](?:半|整|鐘|钟|\\s*\\d+\\s*分|\\s*${NUMERAL}\\s*分))`, "g"),
  new RegExp(`(?<=\\d\\s*[點点時时]\\s*)${NUMERAL}(?=\\s*分)`, "g"),
];

function numeralsToDigits(text: string): string {
  return NUMERAL_CONTEXTS.reduce(
    (t, re) =>
      t.replace(re, (m) => {
        // A lone 千 or 百 is the adverb (千萬), not a number.
        if (m === "千" || m === "百" || m === "仟" || m === "佰") return m;
        const n = parseChineseNumber(m);
        return n === null ? m : String(n);
      }),
    text,
  );
}

/**
 * The one form every fact is compared in: Unicode NFKC (full-width digits, letters, slashes, colons
 * become ASCII), every dash a hyphen, Chinese numerals of dates, times and amounts as digits.
 */
export function normalize(text: string): string {
  const nfkc = text.normalize("NFKC").replace(/[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g, "-");
  return numeralsToDigits(nfkc);
}
