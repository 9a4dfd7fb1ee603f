import type { Language } from "../templates/renderer.js";

const HAN = /\p{Script=Han}/u;

/** The reply goes out in the language the client wrote in; the partner's setting only breaks a tie. */
export function detectLanguage(text: string, partnerLang?: string | null): Language {
  if (HAN.test(text)) return "zh-TW";
  if (/[a-z]{2,}/i.test(text)) return "en";
  return partnerLang?.toLowerCase().startsWith("zh") ? "zh-TW" : partnerLang ? "en" : "zh-TW";
}
