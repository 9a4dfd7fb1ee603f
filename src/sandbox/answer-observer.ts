import type { Answerer, AnswerRequest, AnswerResult } from "../llm/answerer.js";

export interface Observation {
  request: AnswerRequest;
  result: AnswerResult;
  latencyMs: number;
}

/**
 * Remembers what the answerer was given and said, so the sandbox page can show the facts and prompt
 * of a question that went through the real `/ask` pipeline (which returns only its outcome).
 */
export class AnswerObserver {
  readonly seen: Observation[] = [];

  wrap(answerer: Answerer): Answerer {
    return {
      name: answerer.name,
      answer: async (request) => {
        const started = Date.now();
        const result = await answerer.answer(request);
        this.seen.push({ request, result, latencyMs: Date.now() - started });
        return result;
      },
    };
  }
}
