import type { LineDelivery } from "../pipeline/answer-ticket.js";

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

  async send(target: { ticketId: number; lineUserId: string }, text: string): Promise<{ method: "reply" }> {
    this.sent.push({ ticketId: target.ticketId, lineUserId: target.lineUserId, text });
    return { method: "reply" };
  }
}
