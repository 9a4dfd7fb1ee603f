import { formatCost } from "./cost.js";
import type { ItemResult } from "./eval-score.js";

export interface Totals {
  items: number;
  passed: number;
  answered: number;
  heldForReview: number;
  correctFacts: number;
  requiredFacts: number;
  inventedFacts: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  /** null when some model's price is unknown. */
  estimatedCostUsd: number | null;
  /** Sent without a person ÷ all questions, 0–1 (the addon's dashboard: sent ÷ all). */
  withoutPersonShare: number | null;
  /** Estimated cost ÷ all questions, held ones too (the addon's "cost per answer"). */
  costPerAnswerUsd: number | null;
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function totals(results: ItemResult[]): Totals {
  const sum = (f: (r: ItemResult) => number) => results.reduce((s, r) => s + f(r), 0);
  const latencies = results.flatMap((r) => (r.latencyMs === null ? [] : [r.latencyMs]));
  const answered = results.filter((r) => r.answered).length;
  const cost = results.some((r) => r.cost === null) ? null : sum((r) => r.cost ?? 0);
  const perQuestion = (v: number | null) => (v === null || results.length === 0 ? null : v / results.length);
  return {
    items: results.length,
    passed: results.filter((r) => r.passed).length,
    answered,
    heldForReview: results.filter((r) => !r.answered).length,
    correctFacts: sum((r) => r.stated.length),
    requiredFacts: sum((r) => r.stated.length + r.missing.length),
    inventedFacts: sum((r) => r.invented.length),
    latencyP50Ms: percentile(latencies, 50),
    latencyP95Ms: percentile(latencies, 95),
    inputTokens: sum((r) => r.usage.inputTokens),
    cachedTokens: sum((r) => r.usage.cachedTokens),
    outputTokens: sum((r) => r.usage.outputTokens),
    estimatedCostUsd: cost,
    withoutPersonShare: perQuestion(answered),
    costPerAnswerUsd: perQuestion(cost),
  };
}

// Terminals give CJK characters two columns; padding by string length would skew the table.
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;
const width = (s: string) => [...s].reduce((w, ch) => w + (WIDE.test(ch) ? 2 : 1), 0);

function fit(s: string, max: number): string {
  let out = "";
  for (const ch of s.replace(/\s+/g, " ")) {
    if (width(out + ch) > max - 1) return `${out}…`;
    out += ch;
  }
  return out;
}

const pad = (s: string, w: number) => s + " ".repeat(Math.max(0, w - width(s)));

export function table(results: ItemResult[]): string {
  const header = ["", "id", "client", "ch", "question", "outcome", "facts", "invented", "ms", "tokens"];
  const rows = results.map((r) => [
    r.passed ? "✔" : "✘",
    r.id,
    fit(r.client, 16),
    r.channel,
    fit(r.question, 34),
    r.outcome,
    `${r.stated.length}/${r.stated.length + r.missing.length}`,
    String(r.invented.length),
    r.latencyMs === null ? "-" : String(r.latencyMs),
    String(r.usage.inputTokens + r.usage.outputTokens),
  ]);
  const problems = results.flatMap((r) => [
    ...r.missing.map((f) => `  ${r.id}: does not state ${f}`),
    ...r.invented.map((f) => `  ${r.id}: states ${f}`),
    ...(r.expectMet ? [] : [`  ${r.id}: outcome ${r.outcome} is not what the golden set expects`]),
  ]);
  return [formatTable(header, rows), ...(problems.length ? ["", "problems:", ...problems] : [])].join("\n");
}

/** Columns padded to their widest cell, CJK counted as two columns. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]!))));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!)).join("  ").trimEnd();
  return [header, ...rows].map(line).join("\n");
}

export function totalsText(t: Totals): string {
  const ms = (v: number | null) => (v === null ? "-" : `${v} ms`);
  return [
    `questions        ${t.items} (${t.passed} passed)`,
    `answered         ${t.answered}`,
    `held for review  ${t.heldForReview}`,
    `correct facts    ${t.correctFacts}/${t.requiredFacts}`,
    `invented facts   ${t.inventedFacts}`,
    `latency          p50 ${ms(t.latencyP50Ms)} · p95 ${ms(t.latencyP95Ms)}`,
    `tokens           in ${t.inputTokens} (cached ${t.cachedTokens}) · out ${t.outputTokens}`,
    `without a person ${t.withoutPersonShare === null ? "-" : `${(t.withoutPersonShare * 100).toFixed(1)}% (${t.answered}/${t.items})`}`,
    `estimated cost   ${formatCost(t.estimatedCostUsd)} · ${formatCost(t.costPerAnswerUsd)} per answer`,
  ].join("\n");
}
