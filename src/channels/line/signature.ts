import { validateSignature } from "@line/bot-sdk";
import type { Request } from "express";
import { bodyBytes, HttpError } from "../../http/body.js";

export const LINE_SIGNATURE_HEADER = "x-line-signature";

/**
 * LINE signs the exact bytes it sent (HMAC-SHA256, base64, with the channel secret). Checked on the
 * raw body, never on re-serialised JSON, which would differ as soon as a message holds an emoji.
 */
export function requireLineSignature(channelSecret: string) {
  return (req: Request): void => {
    const signature = req.get(LINE_SIGNATURE_HEADER);
    if (!signature) throw new HttpError(401, "missing X-Line-Signature header");
    if (!validateSignature(bodyBytes(req), channelSecret, signature)) throw new HttpError(401, "X-Line-Signature does not match the body");
  };
}
