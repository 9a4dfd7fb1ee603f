import { findAll, type Extractor } from "./tokens.js";

const TRAILING = /[.,;:!?)\]}'"]+$/;
const TLD = "(?:com|net|org|edu|gov|mil|int|info|biz|law|legal|io|co|tw|us|uk|jp|hk|cn|sg|me|ly|gl|app|dev|ai|cc|to|tv|link|site|online|xyz|page)";

/** Host and path without scheme, `www.` or trailing slash: `https://www.x.tw/a/` and `x.tw/a` are one URL. */
export function urlValue(url: string): string {
  return url.replace(TRAILING, "").replace(/^[a-z]+:\/\//i, "").replace(/^www\./i, "").replace(/\/$/, "").toLowerCase();
}

/** Digits only, `+886 2 …` written as the domestic `02 …`. */
export function phoneValue(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  return phone.trim().startsWith("+") && digits.startsWith("886") ? `0${digits.slice(3)}` : digits;
}

const urlFound = (m: RegExpExecArray) => [urlValue(m[0])];

/** Links with a scheme or `www.`; bare host names (`mingli-law.example.tw/faq`) after e-mail addresses are taken. */
export const urls: Extractor = {
  kind: "url",
  find: (text) => findAll(text, /\b(?:https?:\/\/|www\.)[^\s<>"'，。、；！？」）]+/gi, urlFound).map(trimEnd),
};

export const bareHosts: Extractor = {
  kind: "url",
  find: (text) => findAll(text, new RegExp(`(?<![@\\w.-])(?:[a-z0-9-]+\\.)+${TLD}(?![a-z0-9-])(?:/[^\\s<>"'，。、；！？」）]*)?`, "gi"), urlFound).map(trimEnd),
};

function trimEnd<T extends { text: string; end: number }>(f: T): T {
  const text = f.text.replace(TRAILING, "");
  return { ...f, text, end: f.end - (f.text.length - text.length) };
}

export const emails: Extractor = {
  kind: "email",
  find: (text) => findAll(text, /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, (m) => [m[0].toLowerCase()]),
};

/** Phone numbers: `02-2345-6789`, `(02) 2345 6789`, `0912345678`, `+886 912 345 678`, `+1 415 555 0142`. */
const EXTENSION = /\s*(?:#|ext\.?|分機)\s*\d{1,5}$/i;

/** Phone numbers: `02-2345-6789`, `(02) 2345 6789`, `0912345678`, `+886 912 345 678`, `+1 415 555 0142`. */
export const phones: Extractor = {
  kind: "phone",
  find: (text) =>
    findAll(text, /(?<![\w+.,/:-])(?:\+\d{1,3}[\s-]?)?(?:\(\d{1,4}\)[\s-]?)?\d{1,4}(?:[\s-]?\d{1,4}){1,5}(?:\s*(?:#|ext\.?|分機)\s*\d{1,5})?(?!\d)/gi, (m) => {
      const number = m[0].replace(EXTENSION, "");
      const digits = number.replace(/\D/g, "").length;
      return digits >= 8 && digits <= 15 ? [phoneValue(number)] : null;
    }),
};
