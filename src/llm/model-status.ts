import type OpenAI from "openai";

/** How far ahead a model's announced shutdown is worth a warning. */
export const SHUTDOWN_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export type ModelState =
  /** Not asked yet, or no model is used (LLM_MODE=templates). */
  | { kind: "unchecked" }
  | { kind: "available"; shutdownDate: string | null }
  /** The API answered 404 for the model: every answer would fail until LLM_MODEL changes. */
  | { kind: "unknown" }
  /** The API could not be asked (network, key): says nothing about the model, so it blocks nothing. */
  | { kind: "unreachable"; error: string };

/** `GET /v1/models/{model}`: OpenAI's body carries `shutdown_date` (ISO date or Unix seconds) when one is announced. */
export type FetchModel = (model: string) => Promise<{ shutdown_date?: unknown }>;

export function openAIModelFetcher(client: OpenAI): FetchModel {
  return (model) => client.models.retrieve(model) as Promise<{ shutdown_date?: unknown }>;
}

function isoDate(value: unknown): string | null {
  if (typeof value === "number") return new Date(value * 1000).toISOString().slice(0, 10);
  if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString().slice(0, 10);
  return null;
}

/**
 * Whether the configured model still exists and when it goes away. Read at start, by `lexreply
 * doctor`, by `/readyz`, and by the pipeline so that an escalation caused by a retired model says so
 * instead of looking like a busy model.
 */
export class ModelStatus {
  private current: ModelState = { kind: "unchecked" };

  constructor(
    readonly model: string,
    private readonly fetchModel: FetchModel | null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get state(): ModelState {
    return this.current;
  }

  async check(): Promise<ModelState> {
    if (!this.fetchModel) return this.current;
    try {
      const body = await this.fetchModel(this.model);
      this.current = { kind: "available", shutdownDate: isoDate(body.shutdown_date) };
    } catch (err) {
      const status = (err as { status?: number }).status;
      this.current = status === 404 ? { kind: "unknown" } : { kind: "unreachable", error: (err as Error).message };
    }
    return this.current;
  }

  /** Days until the announced shutdown (0 on the day, negative after), or null when none is announced. */
  daysLeft(): number | null {
    if (this.current.kind !== "available" || !this.current.shutdownDate) return null;
    const today = Date.parse(this.now().toISOString().slice(0, 10));
    return Math.round((Date.parse(this.current.shutdownDate) - today) / DAY_MS);
  }

  /** One sentence for staff and the log when the model needs someone's attention, else null. */
  notice(): string | null {
    if (this.current.kind === "unknown") {
      return `The model ${this.model} is no longer offered by the API: every answer is handed to a person until LLM_MODEL names a current model.`;
    }
    const days = this.daysLeft();
    if (days === null || days > SHUTDOWN_WARNING_DAYS) return null;
    const date = (this.current as { shutdownDate: string }).shutdownDate;
    return days < 0
      ? `The model ${this.model} was shut down on ${date}: set LLM_MODEL to its successor.`
      : `The model ${this.model} shuts down on ${date} (in ${days} day${days === 1 ? "" : "s"}): set LLM_MODEL to its successor and restart.`;
  }

  /** Why the sidecar cannot answer with this model, or null when nothing known stops it. */
  blocker(): string | null {
    return this.current.kind === "unknown" ? `the model ${this.model} is no longer offered by the API (set LLM_MODEL)` : null;
  }
}
