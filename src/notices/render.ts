import type { Language, Templates } from "../templates/renderer.js";
import type { CaseUpdate, Matter } from "./odoo-notices.js";

/** The client's language from the partner's Odoo `lang` (`zh_TW`, `en_US`); zh-TW when unset. */
export function clientLanguage(lang: string | false): Language {
  return lang && lang.toLowerCase().startsWith("en") ? "en" : "zh-TW";
}

const DATE_LOCALES: Record<Language, string> = { "zh-TW": "zh-TW", en: "en-GB" };

/** `2026-12-05` → `2026年12月5日（星期六）` / `Saturday, 5 December 2026`: a date the client reads, with the weekday. */
export function spokenDate(lang: Language, isoDate: string): string {
  const at = new Date(`${isoDate}T00:00:00Z`);
  const part = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(DATE_LOCALES[lang], { ...options, timeZone: "UTC" }).format(at);
  const day = part({ year: "numeric", month: "long", day: "numeric" });
  const weekday = part({ weekday: "long" });
  return lang === "zh-TW" ? `${day}（${weekday}）` : `${weekday}, ${day}`;
}

function matterFacts(matter: Matter, lang: Language, line: boolean) {
  return {
    client_name: matter.partner_id.name || "",
    case_number: matter.number,
    case_name: matter.name,
    court: matter.court || "",
    line,
    lang,
  };
}

/** `notice/update`: the update's own words and date, nothing else of the matter; no model involved. */
export function renderUpdate(templates: Templates, update: CaseUpdate, line: boolean): { lang: Language; text: string } {
  const lang = clientLanguage(update.case_id.partner_id.lang);
  const vars = { ...matterFacts(update.case_id, lang, line), update_date: spokenDate(lang, update.date), summary: update.summary.trim() };
  return { lang, text: templates.render(lang, "notice/update", vars) };
}

/** `notice/reminder`: the event's date (with weekday) and the matter's `next_event` text, which may carry the time. */
export function renderReminder(templates: Templates, matter: Matter, eventDate: string, line: boolean): { lang: Language; text: string } {
  const lang = clientLanguage(matter.partner_id.lang);
  const vars = { ...matterFacts(matter, lang, line), event_date: spokenDate(lang, eventDate), next_event: matter.next_event || "" };
  return { lang, text: templates.render(lang, "notice/reminder", vars) };
}
