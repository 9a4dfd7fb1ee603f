import type { Usage } from "../llm/answerer.js";
import type { Composition } from "../pipeline/answer-ticket.js";
import { findDates } from "../pipeline/fact-check.js";
import { estimateCost } from "./cost.js";
import type { GoldenItem } from "./golden.js";

export interface ItemResult {
  id: string;
  client: string;
  channel: "email" | "line";
  question: string;
  /** `sent`, `draft` or `escalated (<holding reply>)`. */
  outcome: string;
  answered: boolean;
  stated: string[];
  missing: string[];
  /** Facts it must not state that it did, and case numbers or dates the fact check found in no matter. */
  invented: string[];
  latencyMs: number | null;
  model: string | null;
  usage: Usage;
  cost: number | null;
  expectMet: boolean;
  passed: boolean;
}

/** A date fact matches the same day however it is written (2026-12-10, 12月10日, December 10); anything else as text. */
export function states(text: string, fact: string): boolean {
  const [date] = findDates(fact);
  if (date && date.text === fact.trim()) {
    return findDates(text).some((d) => d.value === date.value || (d.value.startsWith("--") && date.value.endsWith(d.value.slice(1))));
  }
  return text.toLowerCase().includes(fact.toLowerCase());
}

const NO_USAGE: Usage = { inputTokens: 0, cachedTokens: 0, outputTokens: 0 };

function outcomeOf(c: Composition | null): string {
  if (!c) return "escalated (unknown_client)";
  return c.plan.kind === "escalate" ? `escalated (${c.plan.fallback})` : c.plan.kind === "send" ? "sent" : "draft";
}

/** Scores one golden item on the answer the model gave (held or not: the draft is what a paralegal would approve). */
export function scoreItem(item: GoldenItem, c: Composition | null): ItemResult {
  const text = c?.result?.output.answer ?? "";
  const stated = item.must_state.filter((f) => states(text, f));
  const leaked = item.must_not_state.filter((f) => states(text, f));
  const answered = c?.plan.kind === "send";
  const expectMet = item.expect === undefined || (item.expect === "answered") === answered;
  const invented = [...leaked, ...(c?.verdict?.problems ?? [])];
  const usage = c?.result?.usage ?? NO_USAGE;
  const model = c?.result?.model ?? null;
  return {
    id: item.id,
    client: c?.facts?.name || item.client,
    channel: item.channel,
    question: item.question,
    outcome: outcomeOf(c),
    answered,
    stated,
    missing: item.must_state.filter((f) => !stated.includes(f)),
    invented,
    latencyMs: c?.latencyMs ?? null,
    model,
    usage,
    cost: model ? estimateCost(model, usage) : 0,
    expectMet,
    passed: expectMet && invented.length === 0 && stated.length === item.must_state.length,
  };
}
