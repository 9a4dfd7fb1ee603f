import { createHash } from "node:crypto";
import type { LineDelivery } from "../../pipeline/answer-ticket.js";
import type { SentAnswers } from "./sent-answers.js";
import type { LineApi } from "./line-api.js";
import type { LineMetrics } from "./metrics.js";
import type { ReplyTokens } from "./reply-tokens.js";
import type { SentBatches } from "./sent-batches.js";
import { batches, splitText } from "./split-text.js";

/**
 * `X-Line-Retry-Key` must be a UUID; deriving it from what is sent makes a retried send (a repeated job,
 * a repeated /line/deliver, a retried outbox event) carry the same key, so LINE delivers it once.
 */
export function retryKey(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const digest = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

export interface SendOptions {
  /** A fresh, unused reply token, if there is one. */
  replyToken?: string;
  /** Names this send: the same seed for the same send, different for anything else. */
  seed: string;
}

/**
 * Carries one plain text to one LINE user: split to LINE's limits, by reply while it can, else by push.
 * Each batch is logged once delivered, so sending the same thing again (same seed) delivers nothing twice.
 */
export class LineSender {
  constructor(
    private readonly api: LineApi,
    private readonly sent: SentBatches,
    private readonly metrics: LineMetrics,
  ) {}

  async send(userId: string, text: string, opts: SendOptions): Promise<"reply" | "push"> {
    const methods: ("reply" | "push")[] = [];
    for (const [i, messages] of batches(splitText(text)).entries()) {
      const key = retryKey(`${opts.seed}#${i}`);
      const method = this.sent.method(key) ?? (await this.deliver(userId, messages, key, i === 0 ? opts.replyToken : undefined));
      methods.push(method);
    }
    return methods.length > 0 && methods.every((m) => m === "reply") ? "reply" : "push";
  }

  private async deliver(userId: string, messages: string[], key: string, replyToken: string | undefined): Promise<"reply" | "push"> {
    let method: "reply" | "push" = "push";
    if (replyToken && (await this.api.reply(replyToken, messages))) {
      this.metrics.replies.inc();
      method = "reply";
    } else if ((await this.api.push(userId, messages, key)) === "sent") {
      this.metrics.pushes.inc();
    }
    this.sent.record(key, method);
    return method;
  }
}

/**
 * The pipeline's way to a LINE user: the reply token of the message being answered while it is younger
 * than `ttlMs` (LINE guarantees about a minute), otherwise a push. One client text per message: its
 * retry key and its ledger entry name the Odoo database, the ticket and the message.
 */
export function lineDelivery(
  opts: { sender: LineSender; tokens: ReplyTokens; answers: SentAnswers; db: string; ttlMs: number },
  now: () => number = Date.now,
): LineDelivery {
  const { sender, tokens, answers, db, ttlMs } = opts;
  return {
    alreadySent: ({ ticketId, messageId }) => answers.find({ db, ticketId, messageId }),
    async send({ ticketId, messageId, lineUserId }, text, outcome) {
      const replyToken = tokens.claim(messageId, lineUserId, now() - ttlMs, now());
      const method = await sender.send(lineUserId, text, { replyToken, seed: `db:${db}:ticket:${ticketId}:message:${messageId}` });
      const result = outcome(method);
      answers.record({ db, ticketId, messageId }, result);
      return result;
    },
  };
}
