import { z } from "zod";
import type { ClientFacts, MatterFacts } from "../pipeline/client-facts.js";
import type { Language } from "../templates/renderer.js";

/** The structured answer the model must return (Structured Outputs, strict JSON schema). */
export const modelAnswerSchema = z.object({
  answer: z.string(),
  case_numbers: z.array(z.string()),
  dates: z.array(z.string()),
  needs_human: z.boolean(),
  language: z.enum(["zh-TW", "en"]),
});
export type ModelAnswer = z.output<typeof modelAnswerSchema>;

export interface Usage {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
}

export interface AnswerRequest {
  system: string;
  user: string;
  lang: Language;
  facts: ClientFacts;
  matter: MatterFacts | null;
  /** The question names case numbers that are not this client's: say none was found, never repeat them. */
  unknownNumbers: boolean;
  /** The whole budget of the model step, retries included. */
  signal: AbortSignal;
}

export interface AnswerResult {
  output: ModelAnswer;
  model: string;
  usage: Usage;
}

/** Something that answers a client's question from the facts: the model, or the template-only answerer. */
export interface Answerer {
  readonly name: string;
  answer(request: AnswerRequest): Promise<AnswerResult>;
}

/** The model returned something other than the agreed JSON, or refused. */
export class MalformedAnswerError extends Error {}
