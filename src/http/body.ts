import express, { type ErrorRequestHandler, type Request, type RequestHandler } from "express";
import type { Logger } from "../logger.js";

/** DESIGN.md: request bodies are at most 1 MB. */
export const BODY_LIMIT = "1mb";

/**
 * Keeps every body as raw bytes: signatures (ours and LINE's) are computed on the exact bytes, and a
 * JSON parser in front would turn a bad signature into a parse error or re-encode emoji.
 */
export const rawBody: RequestHandler = express.raw({ type: () => true, limit: BODY_LIMIT });

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function bodyBytes(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** Malformed JSON is the caller's mistake: 400 with the parser's reason, never a 500. */
export function parseJsonBody(req: Request): unknown {
  const bytes = bodyBytes(req);
  if (bytes.length === 0) throw new HttpError(400, "request body is empty; expected JSON");
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = err as { status?: number; type?: string; message?: string; details?: unknown };
    if (e.type === "entity.too.large") {
      res.status(413).json({ error: `request body is larger than ${BODY_LIMIT}` });
      return;
    }
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.message, ...(err.details ? { details: err.details } : {}) });
      return;
    }
    if (e.status && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: e.message ?? "bad request" });
      return;
    }
    log.error({ err, path: req.path }, "unhandled error");
    res.status(500).json({ error: "internal error" });
  };
}
