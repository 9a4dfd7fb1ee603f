import { z } from "zod";

const id = z.number().int().positive();
const db = z.string().min(1);

/**
 * `POST /notify` from the addon. Strict objects with a `kind`: no `/ask` or `/line/deliver` body
 * parses as one, and an unknown key is refused rather than ignored.
 */
export const notifyBodySchema = z.discriminatedUnion("kind", [
  z.strictObject({ db, kind: z.literal("update"), update_id: id }),
  z.strictObject({ db, kind: z.literal("reminder"), case_id: id, event_date: z.iso.date(), days: z.number().int().min(0).max(365) }),
  z.strictObject({ db, kind: z.literal("approved"), case_id: id }),
]);
export type NotifyBody = z.output<typeof notifyBodySchema>;

/** The ledger key the addon stores each notice under: told once per key. */
export function noticeKey(body: Exclude<NotifyBody, { kind: "approved" }>): string {
  return body.kind === "update" ? `update:${body.update_id}` : `reminder:${body.case_id}:${body.event_date}:${body.days}`;
}
