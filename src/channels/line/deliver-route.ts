import { Router } from "express";
import { z } from "zod";
import { HttpError, parseJsonBody } from "../../http/body.js";
import type { Logger } from "../../logger.js";
import type { OdooClient } from "../../odoo/client.js";
import { requireSignature } from "../../routes/ask.js";
import type { ApprovedDeliveries } from "./approvals.js";
import type { LineSender } from "./delivery.js";
import { readDeliverable, recordDelivery, type DeliverableTicket } from "./odoo-records.js";

/** Strict, and with `action`: no other signed body (an `/ask` replayed here) parses as this one. */
export const deliverBodySchema = z.strictObject({ action: z.literal("deliver"), ticket_id: z.number().int().positive(), db: z.string().min(1) });

/** An approval older than this is not acted on: the addon's cron re-sends a fresh call, a person approves again. */
const APPROVAL_FRESH_MS = 10 * 60_000;

export interface DeliverRouteDeps {
  secret: string;
  db: string;
  odoo: OdooClient;
  sender: LineSender;
  approvals: ApprovedDeliveries;
  log: Logger;
  now?: () => number;
}

const odooTime = (v: string) => Date.parse(`${v.replace(" ", "T")}Z`);

/** Why this ticket's draft may not be pushed now, or null (README, "Contract notes": `/line/deliver`). */
function refusal(t: DeliverableTicket, now: number): string | null {
  if (t.lexreply_channel !== "line") return "is not a LINE ticket";
  if (t.lexreply_state !== "draft" || !t.lexreply_draft) return `is not a draft awaiting approval (state ${t.lexreply_state || "none"})`;
  if (t.lexreply_taken_over) return "was taken over by a person";
  if (!t.lexreply_approved_at || !t.lexreply_approved_by) return "has no recorded approval";
  if (now - odooTime(t.lexreply_approved_at) > APPROVAL_FRESH_MS) return "was approved more than 10 minutes ago; approve it again";
  if (!t.lexreply_line_user_id || !t.partner_id || t.lexreply_line_user_id !== t.partner_id.lexreply_line_user_id)
    return "belongs to a LINE account that is no longer its client's";
  return null;
}

/**
 * `POST /line/deliver`, the addon's "Approve & send" on a LINE ticket (signed like `/ask`): pushes the
 * approved draft, then `lexreply_record_delivery` marks it sent. Pushed, because the client's reply
 * token is long gone by the time a person has read the draft; the retry key (database, ticket,
 * approval time) and the local record make a repeated call send nothing.
 */
export function deliverRoutes(deps: DeliverRouteDeps): Router {
  const router = Router();
  const checkSignature = requireSignature(deps.secret);
  const now = deps.now ?? Date.now;
  router.post("/line/deliver", async (req, res) => {
    checkSignature(req);
    const parsed = deliverBodySchema.safeParse(parseJsonBody(req));
    if (!parsed.success) throw new HttpError(400, "invalid /line/deliver body", z.flattenError(parsed.error));
    const { ticket_id, db } = parsed.data;
    if (db !== deps.db) throw new HttpError(400, `this sidecar serves database "${deps.db}", not "${db}"`);
    const ticket = await readDeliverable(deps.odoo, ticket_id);
    if (!ticket) throw new HttpError(404, `ticket ${ticket_id} does not exist or is not visible`);
    const refused = refusal(ticket, now());
    if (refused) {
      deps.log.warn({ ticketId: ticket_id, reason: refused }, "/line/deliver refused; nothing pushed");
      throw new HttpError(409, `ticket ${ticket_id} ${refused}; nothing was sent`);
    }
    const draft = ticket.lexreply_draft as string;
    const userId = ticket.lexreply_line_user_id as string;
    const approvedAt = ticket.lexreply_approved_at as string;
    const key = `db:${db}:approved:${ticket_id}:${approvedAt}`;
    await deps.approvals.once(key, ticket_id, async () => {
      await deps.sender.send(userId, draft, { seed: key });
      const recorded = await recordDelivery(deps.odoo, ticket_id, { approved_at: approvedAt, delivered: "push", text: draft });
      deps.log.info({ ticketId: ticket_id, recorded }, "approved draft sent on LINE by push");
    });
    res.json({ method: "push" });
  });
  return router;
}
