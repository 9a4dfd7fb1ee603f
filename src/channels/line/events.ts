import { z } from "zod";

/**
 * The parts of LINE webhook events the channel reads. Objects stay loose: LINE adds fields and event
 * types over time, and the outbox keeps each event exactly as it came.
 */
const sourceSchema = z.looseObject({ type: z.string(), userId: z.string().optional(), groupId: z.string().optional(), roomId: z.string().optional() });

const messageSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  text: z.string().optional(),
  fileName: z.string().optional(),
  contentProvider: z.looseObject({ type: z.string() }).optional(),
});

export const lineEventSchema = z.looseObject({
  type: z.string(),
  webhookEventId: z.string().min(1),
  timestamp: z.number(),
  mode: z.string().optional(),
  source: sourceSchema.optional(),
  replyToken: z.string().optional(),
  deliveryContext: z.looseObject({ isRedelivery: z.boolean() }).optional(),
  message: messageSchema.optional(),
});

export type LineEvent = z.output<typeof lineEventSchema>;

export const webhookBodySchema = z.object({ destination: z.string(), events: z.array(lineEventSchema) });

/** Events of one chat keep their order: the outbox handles the next only when the previous is done. */
export function chatKey(event: LineEvent): string {
  const s = event.source;
  return s?.userId ?? s?.groupId ?? s?.roomId ?? "unknown";
}
