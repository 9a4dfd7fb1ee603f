import { Router } from "express";
import { z } from "zod";
import { HttpError, parseJsonBody } from "../http/body.js";
import { notifyBodySchema } from "../notices/body.js";
import type { Notices } from "../notices/notices.js";
import { requireSignature } from "./ask.js";

/**
 * `POST /notify` from the addon (signed like `/ask`): a case update made client-visible, a hearing
 * reminder due, or notices a paralegal approved. Answers when the notice is recorded in Odoo.
 */
export function notifyRoutes(opts: { secret: string; db: string; notices: Notices }): Router {
  const router = Router();
  const checkSignature = requireSignature(opts.secret);
  router.post("/notify", async (req, res) => {
    checkSignature(req);
    const parsed = notifyBodySchema.safeParse(parseJsonBody(req));
    if (!parsed.success) throw new HttpError(400, "invalid /notify body", z.flattenError(parsed.error));
    if (parsed.data.db !== opts.db) throw new HttpError(400, `this sidecar serves database "${opts.db}", not "${parsed.data.db}"`);
    res.json({ notices: await opts.notices.handle(parsed.data) });
  });
  return router;
}
