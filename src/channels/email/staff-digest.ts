import type { Logger } from "../../logger.js";
import type { Escalation, EscalationListener } from "../../pipeline/answer-ticket.js";

export interface StaffMail {
  subject: string;
  text: string;
}

export interface StaffDigestDeps {
  /** Sends one mail to the staff address; rejects when the mail server did not take it. */
  send: (mail: StaffMail) => Promise<void>;
  /** Where staff open tickets in a browser (`ODOO_PUBLIC_URL`, else `ODOO_URL`). */
  odooUrl: string;
  intervalMs: number;
  log: Logger;
  /** Why every answer may be escalating (a retired model), said first so no one takes it for a busy day. */
  modelNotice?: () => string | null;
}

// Long enough to recognise the question; the whole text is in the ticket.
const QUESTION_CHARS = 400;

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Odoo 18's URL form for a record: `<origin>/odoo/<model>/<id>`. */
export function ticketLink(odooUrl: string, ticketId: number): string {
  return new URL(`odoo/helpdesk.ticket/${ticketId}`, odooUrl.endsWith("/") ? odooUrl : `${odooUrl}/`).toString();
}

/** One plain-text summary for a batch: each ticket's question, why it needs a person, and where to open it. */
export function digestMail(batch: Escalation[], odooUrl: string, modelNotice: string | null = null): StaffMail {
  const failed = batch.filter((e) => e.state === "failed").length;
  const subject =
    batch.length === 1
      ? `LexReply: ticket ${batch[0]!.ticketName} needs a person`
      : `LexReply: ${batch.length} tickets need a person${failed ? ` (${failed} failed)` : ""}`;
  const entries = batch.map((e, i) =>
    [
      `${i + 1}. ${e.ticketName} (${e.state === "failed" ? "failed: nothing could be posted" : "escalated: the client got a holding reply"})`,
      `   Question: ${clip(e.question, QUESTION_CHARS) || "(empty)"}`,
      `   Why: ${clip(e.reason, QUESTION_CHARS)}`,
      `   Open: ${ticketLink(odooUrl, e.ticketId)}`,
    ].join("\n"),
  );
  const text = [
    ...(modelNotice ? [modelNotice, ""] : []),
    `${batch.length === 1 ? "This ticket" : "These tickets"} could not be answered automatically. Each also has an activity in Odoo.`,
    "",
    entries.join("\n\n"),
    "",
    "-- LexReply",
  ].join("\n");
  return { subject, text };
}

/**
 * Staff notices by e-mail, batched: every escalation heard in one interval goes out as one mail,
 * so an outage that escalates a hundred tickets sends one summary, not a hundred. A batch the mail
 * server did not take stays queued and goes out with the next interval's.
 */
export class StaffDigest implements EscalationListener {
  private pending: Escalation[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;

  constructor(private readonly deps: StaffDigestDeps) {}

  escalated(e: Escalation): void {
    this.pending.push(e);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.deps.intervalMs);
  }

  /** Stops the timer and tries once more to send what is queued. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Sends the queued escalations as one mail; a flush while one is sending waits for it. */
  flush(): Promise<void> {
    this.sending ??= this.sendPending().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async sendPending(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      await this.deps.send(digestMail(batch, this.deps.odooUrl, this.deps.modelNotice?.() ?? null));
      this.deps.log.info({ tickets: batch.map((e) => e.ticketId) }, `staff e-mail sent for ${batch.length} ticket(s)`);
    } catch (err) {
      this.pending = [...batch, ...this.pending];
      this.deps.log.warn(
        { tickets: this.pending.length, err, retryInMs: this.deps.intervalMs },
        "staff e-mail could not be sent; kept for the next interval",
      );
    }
  }
}
