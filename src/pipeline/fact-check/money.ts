import { findAll, type Extractor } from "./tokens.js";

const CURRENCY = "(?:NT\\$|NTD|TWD|US\\$|USD|新[台臺]幣|[台臺]幣|\\$)";
const NUMBER = "\\d[\\d,]*(?:\\.\\d+)?";
// 2萬5000, 1億2000萬, 1.5萬: the Chinese large units, with digits between them.
const AMOUNT = `${NUMBER}(?:\\s*[萬万億亿千](?:\\s*${NUMBER})?)*`;
const SCALE_EN = "(?:\\s*(k|thousand|million|mn|m|billion|bn)\\b)?";
const UNIT = "(?:\\s*(?:元|圓|塊|dollars?|NTD|TWD|USD))";

const UNITS: Record<string, number> = { 億: 1e8, 亿: 1e8, 萬: 1e4, 万: 1e4, 千: 1e3 };
const SCALES: Record<string, number> = { k: 1e3, thousand: 1e3, million: 1e6, mn: 1e6, m: 1e6, billion: 1e9, bn: 1e9 };

/** `2萬5000` → 25000, `80萬` → 800000, `1,500,000` → 1500000. */
export function parseAmount(amount: string, scale?: string): number {
  let total = 0;
  let section = 0;
  for (const part of amount.replace(/[,\s]/g, "").match(/[\d.]+|[萬万億亿千]/g) ?? []) {
    const unit = UNITS[part];
    if (unit === undefined) section = Number(part);
    else if (unit === 1e3) section *= unit;
    else {
      total += section * unit;
      section = 0;
    }
  }
  return Math.round((total + section) * (scale ? SCALES[scale.toLowerCase()]! : 1));
}

const amountOf = (m: RegExpExecArray) => [String(parseAmount(m[1]!, m[2]))];

/** Money: `NT$ 80,000`, `新台幣 80 萬元`, `80萬`, `56,000元`, `$1.5 million`, `80,000 dollars`; compared as an amount. */
export const money: Extractor = {
  kind: "money",
  find: (text) => [
    ...findAll(text, new RegExp(`${CURRENCY}\\s*(${AMOUNT})${SCALE_EN}${UNIT}?`, "gi"), amountOf),
    ...findAll(text, new RegExp(`(?<![\\d.,])(${AMOUNT})${SCALE_EN}${UNIT}`, "gi"), amountOf),
    // 80萬 alone is an amount in Taiwanese writing; a bare number is not (it could be anything).
    ...findAll(text, new RegExp(`(?<![\\d.,])(${NUMBER}\\s*[萬万億亿](?:\\s*${NUMBER}\\s*千?)?)()(?![\\d年月日])`, "g"), amountOf),
  ],
};
