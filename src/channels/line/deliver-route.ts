import { Router } from "express";
import { z } from "zod";
import { HttpError, parseJsonBody } from "../../http/body.js";
import type { Logger } from "../../logger.js";
import type { OdooClient } from "../../odoo/client.js";
import { writeTicket } from "../../odoo/chatter.js";
import { requireSignature } from "../../routes/ask.js";
import type { ApprovedDeliveries } from "./approvals.js";
import { digest, type LineSender } from "./delivery.js";
import { postTicketNote, readDeliverable } from "./odoo-records.js";

export const deliverBodySchema = z.object({ ticket_id: z.number().int().positive(), db: z.string().min(1) });

export interface DeliverRouteDeps {
  secret: string;
  db: string;
  odoo: OdooClient;
  sender: LineSender;
  approvals: ApprovedDeliveries;
  log: Logger;
}

/**
 * `POST /line/deliver`, the addon's "Approve & send" on a LINE ticket (signed like `/ask`): pushes the
 * ticket's draft to the client, notes it in the chatter and marks the ticket sent. Pushed, because the
 * client's reply token is long gone by the time a person has read the draft.
 */
export function deliverRoutes(deps: DeliverRouteDeps): Router {
  const router = Router();
  const checkSignature = requireSignature(deps.secret);
  router.post("/line/deliver", async (req, res) => {
    checkSignature(req);
    const parsed = deliverBodySchema.safeParse(parseJsonBody(req));
    if (!parsed.success) throw new HttpError(400, "invalid /line/deliver body", z.flattenError(parsed.error).fieldErrors);
    const { ticket_id, db } = parsed.data;
    if (db !== deps.db) throw new HttpError(400, `this sidecar serves database "${deps.db}", not "${db}"`);
    const ticket = await readDeliverable(deps.odoo, ticket_id);
    if (!ticket) throw new HttpError(404, `ticket ${ticket_id} does not exist or is not visible`);
    if (ticket.lexreply_channel !== "line" || !ticket.lexreply_line_user_id) throw new HttpError(409, `ticket ${ticket_id} is not a LINE ticket`);
    const { lexreply_draft: draft, lexreply_line_user_id: userId } = ticket;
    if (!draft) throw new HttpError(409, `ticket ${ticket_id} has no draft to send`);
    const key = `approved:${ticket_id}:${digest(draft)}`;
    await deps.approvals.once(key, ticket_id, async () => {
      await deps.sender.send(userId, draft, { seed: key });
      await postTicketNote(deps.odoo, ticket_id, `Approved draft sent on LINE by push:\n\n${draft}`);
      await writeTicket(deps.odoo, ticket_id, { lexreply_state: "sent" });
      deps.log.info({ ticketId: ticket_id }, "approved draft sent on LINE by push");
    });
    res.json({ method: "push" });
  });
  return router;
}
