import { createHmac, timingSafeEqual } from "node:crypto";

/** Header Odoo's addon sets on every call to the sidecar (and the sidecar on every call it verifies). */
export const SIGNATURE_HEADER = "x-lexreply-signature";

/** DESIGN.md: a signature older (or newer) than this is stale. */
export const SIGNATURE_TOLERANCE_S = 300;

function hmac(secret: string, t: number, rawBody: Buffer | string): string {
  return createHmac("sha256", secret).update(`${t}.`).update(rawBody).digest("hex");
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` */
export function signBody(secret: string, rawBody: Buffer | string, nowS = Math.floor(Date.now() / 1000)): string {
  return `t=${nowS},v1=${hmac(secret, nowS, rawBody)}`;
}

export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

export function verifySignature(
  secret: string,
  header: string | undefined,
  rawBody: Buffer,
  nowS = Math.floor(Date.now() / 1000),
): SignatureVerdict {
  if (!header) return { ok: false, reason: "missing X-LexReply-Signature header" };
  const parts = new Map(
    header.split(",").map((p) => {
      const i = p.indexOf("=");
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get("t"));
  const v1 = parts.get("v1") ?? "";
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/i.test(v1)) return { ok: false, reason: "malformed signature header" };
  if (Math.abs(nowS - t) > SIGNATURE_TOLERANCE_S) return { ok: false, reason: "stale signature" };
  const expected = Buffer.from(hmac(secret, t, rawBody), "hex");
  if (!timingSafeEqual(expected, Buffer.from(v1, "hex"))) return { ok: false, reason: "signature does not match" };
  return { ok: true };
}
