import type { Templates } from "../templates/renderer.js";
import type { Answerer, AnswerRequest, AnswerResult } from "./answerer.js";

/**
 * No model at all: states the matter's facts through `reply/status.hbs`. It cannot invent anything,
 * so it serves as the firm's privacy setting (`LLM_MODE=templates`) and as the fallback when the model is down.
 */
export class TemplateAnswerer implements Answerer {
  readonly name = "templates";
  constructor(private readonly templates: Templates) {}

  async answer(req: AnswerRequest): Promise<AnswerResult> {
    const open = req.facts.matters.filter((m) => !m.closed);
    const matters = req.matter ? [req.matter] : open.length ? open : req.facts.matters;
    const answer = this.templates.render(req.lang, "reply/status", { matters, unknown_numbers: req.unknownNumbers });
    return {
      output: {
        answer,
        case_numbers: matters.map((m) => m.number),
        dates: matters.flatMap((m) => [m.updates[0]?.date ?? "", m.next_event_date]).filter(Boolean),
        needs_human: false,
        language: req.lang,
      },
      model: this.name,
      usage: { inputTokens: 0, cachedTokens: 0, outputTokens: 0 },
    };
  }
}
