import OpenAI from "openai";
import { zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { MalformedAnswerError, modelAnswerSchema, type Answerer, type AnswerRequest, type AnswerResult } from "./answerer.js";

export interface OpenAIAnswererOptions {
  client: OpenAI;
  model: string;
  /** `chat` for OpenAI-compatible servers that have no Responses API. */
  api: "responses" | "chat";
  reasoningEffort: "minimal" | "low" | "medium" | "high";
  verbosity: "low" | "medium" | "high";
}

/**
 * GPT-5 through the official SDK. GPT-5 rejects `temperature`, so tone and length are steered with
 * `reasoning.effort` and `text.verbosity`; the system prompt goes first and never changes between
 * clients, so OpenAI's automatic prompt caching can reuse it.
 */
// Built once: turning the zod schema into a JSON schema is costly enough to show per answer.
const TEXT_FORMAT = zodTextFormat(modelAnswerSchema, "case_answer");
const RESPONSE_FORMAT = zodResponseFormat(modelAnswerSchema, "case_answer");

export class OpenAIAnswerer implements Answerer {
  readonly name: string;
  constructor(private readonly opts: OpenAIAnswererOptions) {
    this.name = opts.model;
  }

  answer(req: AnswerRequest): Promise<AnswerResult> {
    return this.opts.api === "chat" ? this.viaChat(req) : this.viaResponses(req);
  }

  private async viaResponses(req: AnswerRequest): Promise<AnswerResult> {
    const res = await this.opts.client.responses.parse(
      {
        model: this.opts.model,
        instructions: req.system,
        input: req.user,
        reasoning: { effort: this.opts.reasoningEffort },
        text: { format: TEXT_FORMAT, verbosity: this.opts.verbosity },
        store: false,
      },
      { signal: req.signal },
    );
    if (!res.output_parsed) throw new MalformedAnswerError(`the model returned no answer (status ${res.status})`);
    return {
      output: res.output_parsed,
      model: res.model,
      usage: {
        inputTokens: res.usage?.input_tokens ?? 0,
        cachedTokens: res.usage?.input_tokens_details?.cached_tokens ?? 0,
        outputTokens: res.usage?.output_tokens ?? 0,
      },
    };
  }

  private async viaChat(req: AnswerRequest): Promise<AnswerResult> {
    const res = await this.opts.client.chat.completions.parse(
      {
        model: this.opts.model,
        messages: [
          { role: "system", content: req.system },
          { role: "user", content: req.user },
        ],
        response_format: RESPONSE_FORMAT,
      },
      { signal: req.signal },
    );
    const message = res.choices[0]?.message;
    if (!message?.parsed) throw new MalformedAnswerError(message?.refusal ? `the model refused: ${message.refusal}` : "the model returned no answer");
    return {
      output: message.parsed,
      model: res.model,
      usage: {
        inputTokens: res.usage?.prompt_tokens ?? 0,
        cachedTokens: res.usage?.prompt_tokens_details?.cached_tokens ?? 0,
        outputTokens: res.usage?.completion_tokens ?? 0,
      },
    };
  }
}
