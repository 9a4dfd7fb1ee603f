import { Router } from "express";
import { z } from "zod";
import { HttpError, parseJsonBody } from "../../http/body.js";
import { webhookBodySchema } from "./events.js";
import type { LineMetrics } from "./metrics.js";
import type { Outbox } from "./outbox.js";
import { requireLineSignature } from "./signature.js";

export interface WebhookRouteDeps {
  channelSecret: string;
  outbox: Outbox;
  metrics: LineMetrics;
  /** Told that new events wait in the outbox. */
  accepted: () => void;
}

/**
 * `POST /line/webhook`: verify, make every event durable, answer 200 — all before any Odoo call, so
 * LINE gets its answer in milliseconds whatever Odoo is doing. The outbox worker takes it from there.
 */
export function webhookRoutes(deps: WebhookRouteDeps): Router {
  const router = Router();
  const checkSignature = requireLineSignature(deps.channelSecret);
  router.post("/line/webhook", (req, res) => {
    checkSignature(req);
    const parsed = webhookBodySchema.safeParse(parseJsonBody(req));
    if (!parsed.success) throw new HttpError(400, "not a LINE webhook body", z.flattenError(parsed.error).fieldErrors);
    const { events } = parsed.data;
    const fresh = deps.outbox.accept(events);
    events.forEach((e, i) => deps.metrics.webhookEvents.inc({ type: e.type, outcome: fresh[i] ? "accepted" : "duplicate" }));
    res.status(200).json({});
    if (fresh.some(Boolean)) deps.accepted();
  });
  return router;
}
