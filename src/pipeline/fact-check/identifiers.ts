import { findAll, type Extractor } from "./tokens.js";

/** A matter's number, `2026-FAM-0012` (full-width or lower-case alike, once normalized). */
export const caseNumbers: Extractor = {
  kind: "case_number",
  find: (text) => findAll(text, /(?<![A-Za-z0-9])(\d{4})\s*-\s*([A-Za-z]{2,5})\s*-\s*(\d{3,6})(?![0-9])/g, (m) => [`${m[1]}-${m[2]!.toUpperCase()}-${m[3]}`]),
};

/** A court's docket number, `115年度家訴字第88號` → `115-家訴-88`. */
export const dockets: Extractor = {
  kind: "docket",
  find: (text) => findAll(text, /(\d{2,3})\s*年度?\s*([\u4e00-\u9fff]{1,8}?)\s*字\s*第?\s*(\d+)\s*[號号]/g, (m) => [`${m[1]}-${m[2]}-${Number(m[3])}`]),
};
