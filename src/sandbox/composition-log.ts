import type { AskJob, Composition } from "../pipeline/answer-ticket.js";

/**
 * What the pipeline composed for each question, by the client's message, so the sandbox page can
 * show the facts, prompt, answer and verdict of a question that went through the real `/ask`.
 */
export class CompositionLog {
  private readonly byMessage = new Map<number, Composition>();

  record = (job: AskJob, composition: Composition): void => {
    this.byMessage.set(job.messageId, composition);
  };

  /** The composition for a message, once; a model step that never ran leaves none. */
  take(messageId: number): Composition | null {
    const composition = this.byMessage.get(messageId);
    this.byMessage.delete(messageId);
    return composition?.result ? composition : null;
  }
}
