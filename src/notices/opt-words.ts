import { LANGUAGES, type Templates } from "../templates/renderer.js";

const normalize = (text: string) => text.normalize("NFKC").trim().toLowerCase().replace(/\s+/g, " ");

/**
 * `false` when the client wrote one of the stop words (`labels.json` `notice_words.stop`, any
 * language), `true` for a start word, `null` for anything else (a question to answer).
 */
export function noticeChoice(templates: Templates, text: string): boolean | null {
  const said = normalize(text);
  for (const lang of LANGUAGES) {
    const words = templates.labels(lang).notice_words;
    if (words?.stop.some((w) => normalize(w) === said)) return false;
    if (words?.start.some((w) => normalize(w) === said)) return true;
  }
  return null;
}
