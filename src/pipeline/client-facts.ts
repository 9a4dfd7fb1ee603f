import type { CaseRecord, PartnerRecord } from "../odoo/ticket-context.js";
import type { Labels } from "../templates/renderer.js";

export interface MatterFacts {
  id: number;
  number: string;
  title: string;
  case_type: string;
  case_type_label: string;
  state: string;
  state_label: string;
  closed: boolean;
  court: string;
  next_event_date: string;
  next_event: string;
  lawyer: string;
  summary: string;
  paralegal_user_id: number | null;
  updates: { date: string; summary: string }[];
}

export interface ClientFacts {
  partnerId: number;
  name: string;
  matters: MatterFacts[];
}

const CLOSED_VISIBLE_DAYS = 365;
const UPDATES_PER_MATTER = 5;

function isStale(c: CaseRecord, now: Date): boolean {
  if (c.state !== "closed") return false;
  const last = [c.write_date, ...c.update_ids.map((u) => u.date)].filter((d): d is string => Boolean(d)).sort().at(-1);
  return last ? now.getTime() - new Date(last).getTime() > CLOSED_VISIBLE_DAYS * 86_400_000 : true;
}

function toFacts(c: CaseRecord, labels: Labels, now: Date): MatterFacts {
  return {
    id: c.id,
    number: c.number ?? "",
    title: c.name ?? "",
    case_type: c.case_type ?? "other",
    case_type_label: labels.case_types[c.case_type ?? "other"] ?? c.case_type ?? "",
    state: c.state,
    state_label: labels.states[c.state] ?? c.state,
    closed: c.state === "closed",
    court: c.court ?? "",
    next_event_date: c.next_event_date && c.state !== "closed" && new Date(c.next_event_date) >= startOfDay(now) ? c.next_event_date : "",
    next_event: c.next_event ?? "",
    lawyer: c.user_id?.name ?? "",
    summary: c.client_summary ?? "",
    paralegal_user_id: c.paralegal_id,
    // The record rule already hides internal updates from the integration user; this is the second lock.
    updates: c.update_ids
      .filter((u) => u.client_visible && u.date && u.summary)
      .sort((a, b) => (b.date ?? "").localeCompare(a.date ?? ""))
      .slice(0, UPDATES_PER_MATTER)
      .map((u) => ({ date: (u.date ?? "").slice(0, 10), summary: u.summary ?? "" })),
  };
}

function startOfDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/**
 * The only facts the model ever sees: the identified partner's matters and its company's, with
 * client-visible fields only, and of those only what everyone the answer reaches may know (`mayKnow`,
 * the audience rule). Closed matters stay for a year, marked closed.
 */
export function clientFacts(partner: PartnerRecord, labels: Labels, now: Date, mayKnow: (c: CaseRecord) => boolean = () => true): ClientFacts {
  const all = [...partner.lexreply_case_ids, ...(partner.commercial_partner_id?.lexreply_case_ids ?? [])];
  const unique = [...new Map(all.map((c) => [c.id, c])).values()];
  return {
    partnerId: partner.id,
    name: partner.name ?? "",
    matters: unique
      .filter((c) => mayKnow(c) && !isStale(c, now))
      .map((c) => toFacts(c, labels, now))
      .sort((a, b) => Number(a.closed) - Number(b.closed) || a.number.localeCompare(b.number)),
  };
}

/** Case numbers look like `2026-FAM-0012`. */
export const CASE_NUMBER = /\b\d{4}-[A-Z]{2,5}-\d{3,6}\b/g;

export interface MatterChoice {
  matter: MatterFacts | null;
  /** Case numbers the client wrote that are not theirs: never looked up, never confirmed. */
  unknownNumbers: string[];
}

/** A case number in the text wins when it is this client's; otherwise the words of the question, else the only open matter. */
export function chooseMatter(question: string, facts: ClientFacts, labels: Labels): MatterChoice {
  const written = [...new Set(question.toUpperCase().match(CASE_NUMBER) ?? [])];
  const byNumber = new Map(facts.matters.map((m) => [m.number.toUpperCase(), m]));
  const unknownNumbers = written.filter((n) => !byNumber.has(n));
  const named = written.map((n) => byNumber.get(n)).find(Boolean);
  if (named) return { matter: named, unknownNumbers };
  const lower = question.toLowerCase();
  const byWords = facts.matters.filter((m) => (labels.keywords[m.case_type] ?? []).some((k) => lower.includes(k.toLowerCase())));
  const open = facts.matters.filter((m) => !m.closed);
  const matter = byWords.length === 1 ? byWords[0]! : open.length === 1 ? open[0]! : null;
  return { matter, unknownNumbers };
}
