import type { ApplyOutcome } from "../odoo/apply.js";
import type { LineDelivery, LineTarget } from "../pipeline/answer-ticket.js";

export interface RecordedLine {
  ticketId: number;
  lineUserId: string;
  text: string;
}

/**
 * LINE delivery in sandbox mode when no LINE channel is configured: the text is kept for the page
 * and reaches nobody, so the sample firm's LINE client can be tried without a LINE account.
 */
export class LineRecorder implements LineDelivery {
  readonly sent: RecordedLine[] = [];

  alreadySent(): null {
    return null;
  }

  async send(target: LineTarget, text: string, outcome: (method: "reply") => ApplyOutcome): Promise<ApplyOutcome> {
    this.record(target, text);
    return outcome("reply");
  }

  /** An approved draft "pushed" from the page: kept like an answer. */
  record(target: Pick<LineTarget, "ticketId" | "lineUserId">, text: string): void {
    this.sent.push({ ticketId: target.ticketId, lineUserId: target.lineUserId, text });
  }
}
