import type { AnswerResult } from "../llm/answerer.js";
import { describeFailures, type CheckVerdict } from "./fact-check.js";

/** One line for the chatter so the firm can audit what was said, by which model, at what cost. */
export function auditLine(result: AnswerResult, latencyMs: number, verdict: CheckVerdict): string {
  const { inputTokens, cachedTokens, outputTokens } = result.usage;
  const check = verdict.passed
    ? `check passed${verdict.groundedFacts.length ? ` (facts: ${verdict.groundedFacts.join(", ")})` : ""}`
    : `check FAILED: ${describeFailures(verdict)}`;
  return `[LexReply] model ${result.model} · ${latencyMs} ms · tokens in ${inputTokens} (cached ${cachedTokens}) / out ${outputTokens} · ${check}`;
}
