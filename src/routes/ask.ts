import { Router } from "express";
import { z } from "zod";
import type { AskJobs } from "../jobs/ask-jobs.js";
import { bodyBytes, HttpError, parseJsonBody } from "../http/body.js";
import { SIGNATURE_HEADER, verifySignature } from "../http/signature.js";

export const askBodySchema = z.strictObject({
  ticket_id: z.number().int().positive(),
  message_id: z.number().int().positive(),
  db: z.string().min(1),
});

/** Checks `X-LexReply-Signature` on the raw body; answers 401 with the reason. */
export function requireSignature(secret: string) {
  return (req: import("express").Request) => {
    const verdict = verifySignature(secret, req.get(SIGNATURE_HEADER), bodyBytes(req));
    if (!verdict.ok) throw new HttpError(401, `invalid signature: ${verdict.reason}`);
  };
}

/** `POST /ask` from the addon: verify, accept at once with a job id, answer in the background. */
export function askRoutes(opts: { secret: string; db: string; jobs: AskJobs }): Router {
  const router = Router();
  const checkSignature = requireSignature(opts.secret);
  router.post("/ask", (req, res) => {
    checkSignature(req);
    const parsed = askBodySchema.safeParse(parseJsonBody(req));
    if (!parsed.success) throw new HttpError(400, "invalid /ask body", z.flattenError(parsed.error).fieldErrors);
    const { ticket_id, message_id, db } = parsed.data;
    if (db !== opts.db) throw new HttpError(400, `this sidecar serves database "${opts.db}", not "${db}"`);
    const job = opts.jobs.submit(ticket_id, message_id);
    res.status(202).json({ job: job.id });
  });
  return router;
}
