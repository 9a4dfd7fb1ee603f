import type { Usage } from "../llm/answerer.js";

/** US$ per million tokens: input, cached input, output (OpenAI's list prices when this was written). */
const PRICES: [prefix: string, price: { input: number; cached: number; output: number }][] = [
  ["gpt-5-nano", { input: 0.05, cached: 0.005, output: 0.4 }],
  ["gpt-5-mini", { input: 0.25, cached: 0.025, output: 2 }],
  ["gpt-5", { input: 1.25, cached: 0.125, output: 10 }],
  ["gpt-4.1-nano", { input: 0.1, cached: 0.025, output: 0.4 }],
  ["gpt-4.1-mini", { input: 0.4, cached: 0.1, output: 1.6 }],
  ["gpt-4.1", { input: 2, cached: 0.5, output: 8 }],
  ["gpt-4o-mini", { input: 0.15, cached: 0.075, output: 0.6 }],
  ["gpt-4o", { input: 2.5, cached: 1.25, output: 10 }],
];

/**
 * Estimated cost in US$, or null for a model whose price is not known here (an on-premises or
 * Azure deployment name). The template-only answerer costs nothing.
 */
export function estimateCost(model: string, usage: Usage): number | null {
  if (model === "templates") return 0;
  const price = PRICES.find(([prefix]) => model.startsWith(prefix))?.[1];
  if (!price) return null;
  const fresh = usage.inputTokens - usage.cachedTokens;
  return (fresh * price.input + usage.cachedTokens * price.cached + usage.outputTokens * price.output) / 1_000_000;
}

export const formatCost = (cost: number | null) => (cost === null ? "n/a (price unknown)" : `$${cost.toFixed(cost < 0.01 ? 5 : 4)}`);
