import type { ClientFacts } from "../client-facts.js";
import { bareHosts, emails, phones, urls } from "./contacts.js";
import { dates } from "./dates.js";
import { buildGrounding, groundingOf, type FirmContacts } from "./grounding.js";
import { caseNumbers, dockets } from "./identifiers.js";
import { money } from "./money.js";
import { normalize } from "./normalize.js";
import { outcomes } from "./outcomes.js";
import { relativeDates, weekdays } from "./relative.js";
import { times } from "./times.js";
import { extractTokens, type Extractor, type Token, type TokenKind } from "./tokens.js";

/**
 * In this order: each claims its span before the next looks (a URL's digits are no phone number,
 * `12月3日前` is a date and not the relative `3日前`, a weekday next to a date belongs to it).
 */
export const EXTRACTORS: readonly Extractor[] = [urls, emails, bareHosts, caseNumbers, dockets, dates, relativeDates, weekdays, times, money, phones, outcomes];

/** Every statement of fact in a text, normalized first. */
export function findTokens(text: string): Token[] {
  return extractTokens(normalize(text), EXTRACTORS);
}

/** Dates as `{text, value}` (`YYYY-MM-DD`, or `--MM-DD` without a year): the eval scores stated dates with it. */
export function findDates(text: string): { text: string; value: string }[] {
  return findTokens(text).filter((t) => t.kind === "date").map((t) => ({ text: t.text, value: t.values[0]! }));
}

export type FailureKind = TokenKind | "empty";

/** One statement the check could not find in what the model was given. */
export interface Failure {
  /** As written in the answer (normalized: full-width and Chinese numerals as digits). */
  token: string;
  kind: FailureKind;
  reason: string;
}

export interface CheckVerdict {
  passed: boolean;
  /** Each failure as a sentence (`describeFailures` joins them). */
  problems: string[];
  /** Set by `checkAnswer` (optional only so verdicts written by hand elsewhere stay valid). */
  failures?: Failure[];
  /** Facts of the client's matters the answer states (case numbers, dates as `YYYY-MM-DD`, …); today's date is not one. */
  groundedFacts: string[];
}

export interface CheckOptions {
  /** The date the prompt gives as today (the pipeline's `now`); it is grounded. */
  today?: Date | string;
  /** The firm's own domains, addresses and phone numbers, which an answer may give. */
  firm?: FirmContacts;
}

const LABELS: Record<FailureKind, string> = {
  case_number: "case number",
  docket: "court docket number",
  url: "link",
  email: "e-mail address",
  phone: "phone number",
  relative_date: "relative date",
  date: "date",
  time: "time",
  money: "amount",
  outcome: "outcome",
  empty: "answer",
};

const REASONS: Record<FailureKind, string> = {
  case_number: "is not one of this client's matters",
  docket: "does not appear in the matter's facts",
  url: "does not appear in the matter's facts and is not the firm's own",
  email: "does not appear in the matter's facts and is not the firm's own",
  phone: "does not appear in the matter's facts and is not the firm's own",
  relative_date: "cannot be checked against the matter's dates",
  date: "does not appear in the matter's facts, nor is it today",
  time: "does not appear in the matter's facts",
  money: "does not appear in the matter's facts",
  outcome: "is not an outcome the matter's client-visible facts state",
  empty: "is empty",
};

const describe = (f: Failure) => `${LABELS[f.kind]} "${f.token}" ${f.reason}`;

/** What the note and the audit line show: each failing token, named. */
export function describeFailures(verdict: Pick<CheckVerdict, "failures" | "problems">): string {
  return verdict.failures ? verdict.failures.map(describe).join("; ") : verdict.problems.join("; ");
}

const isoDay = (d: Date | string) => (typeof d === "string" ? d : d.toISOString()).slice(0, 10);

/** The model's own list of what it relied on is checked too: an entry that is no case number or date fails. */
function claimedTokens(claimed: { case_numbers: string[]; dates: string[] }): (Token | Failure)[] {
  const read = (entries: string[], kind: TokenKind) =>
    entries.flatMap((entry): (Token | Failure)[] => {
      const found = findTokens(entry).filter((t) => t.kind === kind);
      return found.length ? found : [{ token: entry, kind, reason: `is listed by the model but is no ${LABELS[kind]}` }];
    });
  return [...read(claimed.case_numbers, "case_number"), ...read(claimed.dates, "date")];
}

/**
 * Every token of the answer that states a fact — and every case number and date the model says it
 * relied on — must be found in what the model was given: the client's matters, today's date, the
 * firm's own contacts. Relative dates never are. An answer that fails is never sent.
 */
export function checkAnswer(answer: string, claimed: { case_numbers: string[]; dates: string[] }, facts: ClientFacts, options: CheckOptions = {}): CheckVerdict {
  const grounding = buildGrounding(facts, isoDay(options.today ?? new Date()), options.firm ?? {}, EXTRACTORS);
  const failures = new Map<string, Failure>();
  const grounded = new Set<string>();
  if (answer.trim() === "") failures.set("empty", { token: "", kind: "empty", reason: "is empty" });
  for (const t of [...findTokens(answer), ...claimedTokens(claimed)]) {
    if (!("values" in t)) {
      failures.set(`${t.kind}:${t.token}`, t);
      continue;
    }
    const where = groundingOf(t, grounding);
    if (where === null) failures.set(`${t.kind}:${t.text}`, { token: t.text, kind: t.kind, reason: REASONS[t.kind] });
    else if (where === "matter") matterFacts(t, grounding.matter.get("date")).forEach((f) => grounded.add(f));
  }
  const list = [...failures.values()];
  return { passed: list.length === 0, problems: list.map(describe), failures: list, groundedFacts: [...grounded] };
}

/** A date names the matter's full dates it matches; any other token, its value. */
function matterFacts(t: Token, matterDates: Set<string> | undefined): string[] {
  if (t.kind !== "date") return [t.kind === "case_number" ? t.values[0]! : t.text];
  const full = [...(matterDates ?? [])].filter((d) => !d.startsWith("--"));
  return full.filter((d) => t.values.some((v) => v === d || (v.startsWith("--") && d.endsWith(v.slice(1)))));
}
