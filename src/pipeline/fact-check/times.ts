import { findAll, type Extractor } from "./tokens.js";

const PM = /^(下午|晚上|傍晚|p\.?m\.?)$/i;
const AM = /^(上午|早上|凌晨|清晨|a\.?m\.?)$/i;
const MERIDIEM_ZH = "(上午|下午|早上|中午|晚上|凌晨|清晨|傍晚)";
const MERIDIEM_EN = "(a\\.?m\\.?|p\\.?m\\.?)(?![a-z])";

const pad = (n: number) => String(n).padStart(2, "0");

/** `HH:MM` readings of a clock time; without 上午/下午 or am/pm, 2:30 may be 02:30 or 14:30. */
export function timeValues(hour: number, minute: number, meridiem: string | undefined): string[] | null {
  if (hour > 24 || minute > 59) return null;
  const at = (h: number) => `${pad(h)}:${pad(minute)}`;
  if (!meridiem) return hour >= 1 && hour < 12 ? [at(hour), at(hour + 12)] : [at(hour % 24)];
  if (hour > 12) return [at(hour)];
  if (PM.test(meridiem)) return [at(hour === 12 ? 12 : hour + 12)];
  if (AM.test(meridiem)) return [at(hour === 12 ? 0 : hour)];
  // 中午: noon, and 中午 1 點 is 13:00.
  return [at(hour === 12 || hour >= 6 ? hour : hour + 12)];
}

// 有 3 點 / 第 3 點 / 以下 2 點 are points of a list, not clock times.
const NOT_A_CLOCK_BEFORE = /(?:有|第|以下|下列|這|那|幾|共|分為)\s*$/;

const PATTERNS: [RegExp, (m: RegExpExecArray, text: string) => string[] | null][] = [
  [new RegExp(`(?:${MERIDIEM_ZH}\\s*)?(?<![\\d:.])(\\d{1,2}):(\\d{2})(?::\\d{2})?(?:\\s*${MERIDIEM_EN})?(?![\\d:])`, "gi"), (m) => timeValues(+m[2]!, +m[3]!, m[1] ?? m[4])],
  [
    new RegExp(`(?:${MERIDIEM_ZH}\\s*)?(?<!\\d)(\\d{1,2})\\s*[點点時时](?:\\s*(半)|\\s*(\\d{1,2})\\s*分|整|鐘|钟)?`, "g"),
    (m, text) => (!m[1] && NOT_A_CLOCK_BEFORE.test(text.slice(0, m.index)) ? null : timeValues(+m[2]!, m[3] ? 30 : Number(m[4] ?? 0), m[1])),
  ],
  // 2.30pm, as British writers put it: the dot only counts with am/pm.
  [new RegExp(`(?<![\\d:.])(\\d{1,2})\\.(\\d{2})\\s*${MERIDIEM_EN}`, "gi"), (m) => timeValues(+m[1]!, +m[2]!, m[3])],
  [new RegExp(`(?<![\\d:.])(\\d{1,2})\\s*${MERIDIEM_EN}`, "gi"), (m) => timeValues(+m[1]!, 0, m[2])],
  [/(?<![\d:.])(\d{1,2})\s*o['’]clock\b/gi, (m) => timeValues(+m[1]!, 0, undefined)],
];

/** Clock times: `14:30`, `下午 2:30`, `下午兩點` (after normalization `下午2點`), `2:30 pm`, `3 o'clock`. */
export const times: Extractor = {
  kind: "time",
  find: (text) => PATTERNS.flatMap(([re, read]) => findAll(text, re, (m) => read(m, text))),
};
