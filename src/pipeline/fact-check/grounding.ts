import type { ClientFacts, MatterFacts } from "../client-facts.js";
import { phoneValue } from "./contacts.js";
import { normalize } from "./normalize.js";
import { extractTokens, type Extractor, type Token, type TokenKind } from "./tokens.js";

/** The firm's own ways to be reached, which an answer may always give. */
export interface FirmContacts {
  /** The firm's domains: any address or link on them (or their subdomains) is the firm's. */
  domains?: string[];
  emails?: string[];
  phones?: string[];
}

/** What the model was given, in the canonical form of each token kind. */
export interface Grounding {
  /** From the client's matters. */
  matter: Map<TokenKind, Set<string>>;
  /** Today's date, which the prompt gives (`YYYY-MM-DD` and `--MM-DD`). */
  today: Set<string>;
  firm: { domains: string[]; emails: Set<string>; phones: string[] };
}

// Outcome words count only where the matter states its own course; a title such as 和解契約審閱 does not.
const outcomeTexts = (m: MatterFacts) => [m.state_label, m.summary, ...m.updates.map((u) => u.summary)];
const allTexts = (m: MatterFacts) => [m.number, m.title, m.case_type_label, m.state_label, m.court, m.next_event_date, m.next_event, m.lawyer, m.summary, ...m.updates.flatMap((u) => [u.date, u.summary])];

/** The matters' own facts, read by the same extractors as the answer so a date is compared as a date, an amount as an amount. */
export function buildGrounding(facts: ClientFacts, today: string, firm: FirmContacts, extractors: readonly Extractor[]): Grounding {
  const matter = new Map<TokenKind, Set<string>>();
  const add = (t: Token) => {
    const set = matter.get(t.kind) ?? new Set<string>();
    t.values.forEach((v) => set.add(v));
    matter.set(t.kind, set);
  };
  const read = (text: string) => extractTokens(normalize(text), extractors);
  for (const m of facts.matters) {
    add({ kind: "case_number", text: m.number, start: 0, end: 0, values: [m.number.toUpperCase()] });
    for (const text of allTexts(m).filter(Boolean)) read(text).filter((t) => t.kind !== "outcome").forEach(add);
    for (const text of outcomeTexts(m).filter(Boolean)) read(text).filter((t) => t.kind === "outcome").forEach(add);
    if (m.state === "settled") add({ kind: "outcome", text: m.state, start: 0, end: 0, values: ["settled"] });
  }
  const year = today.slice(0, 4);
  const dates = matter.get("date") ?? new Set<string>();
  // A full date also grounds the same day written without a year; a day written without a year, that day this year.
  for (const d of [...dates]) dates.add(d.startsWith("--") ? `${year}${d.slice(1)}` : `-${d.slice(4)}`);
  matter.set("date", dates);
  return {
    matter,
    today: new Set([today, `-${today.slice(4)}`]),
    firm: {
      domains: (firm.domains ?? []).map((d) => d.toLowerCase().replace(/^www\./, "")),
      emails: new Set((firm.emails ?? []).map((e) => e.toLowerCase())),
      phones: (firm.phones ?? []).map(phoneValue),
    },
  };
}

const onDomain = (host: string, domains: string[]) => domains.some((d) => host === d || host.endsWith(`.${d}`));
const samePhone = (a: string, b: string) => a === b || (Math.min(a.length, b.length) >= 8 && (a.endsWith(b) || b.endsWith(a)));

/** Whether the token is stated in the matters' facts (`matter`), only as what else the prompt gives — today, the firm's own contacts — (`given`), or nowhere. */
export function groundingOf(t: Token, g: Grounding): "matter" | "given" | null {
  const known = g.matter.get(t.kind) ?? new Set<string>();
  switch (t.kind) {
    case "phone":
      if (t.values.some((v) => [...known].some((k) => samePhone(v, k)))) return "matter";
      return t.values.some((v) => g.firm.phones.some((k) => samePhone(v, k))) ? "given" : null;
    case "email":
      if (t.values.some((v) => known.has(v))) return "matter";
      return t.values.some((v) => g.firm.emails.has(v) || onDomain(v.split("@")[1]!, g.firm.domains)) ? "given" : null;
    case "url":
      if (t.values.some((v) => known.has(v))) return "matter";
      return t.values.some((v) => onDomain(v.split(/[/?#:]/)[0]!, g.firm.domains)) ? "given" : null;
    default:
      if (t.values.some((v) => known.has(v))) return "matter";
      return t.kind === "date" && t.values.some((v) => g.today.has(v)) ? "given" : null;
  }
}
