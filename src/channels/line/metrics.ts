import { counter, gauge } from "../../metrics.js";

/** What the LINE channel counts. Pushes are what the firm pays for on most LINE plans. */
export function lineMetrics() {
  return {
    pushes: counter("lexreply_line_pushes_total", "Push requests LINE accepted (each counts against the paid message quota)"),
    replies: counter("lexreply_line_replies_total", "Reply requests LINE accepted (free)"),
    webhookEvents: counter("lexreply_line_webhook_events_total", "Webhook events received, by type and whether they were new or a redelivery", ["type", "outcome"]),
    outboxPending: gauge("lexreply_line_outbox_pending", "LINE events accepted but not yet handed to Odoo"),
  };
}

export type LineMetrics = ReturnType<typeof lineMetrics>;
