import type { Logger } from "../../logger.js";
import type { OdooClient } from "../../odoo/client.js";
import { setClientNotify } from "../../notices/odoo-notices.js";
import { noticeChoice } from "../../notices/opt-words.js";
import { detectLanguage } from "../../pipeline/language.js";
import type { Language, Templates } from "../../templates/renderer.js";
import type { LineSender } from "./delivery.js";
import type { LineEvent } from "./events.js";
import type { LineApi } from "./line-api.js";
import type { Linking, LinkNotice } from "./linking.js";
import { attachFile, findLinkedPartner, lineIntake, unlinkPartner, type IntakeEvent } from "./odoo-records.js";
import type { OutboxEntry } from "./outbox.js";
import type { RateLimit } from "./rate-limit.js";
import type { ReplyTokens } from "./reply-tokens.js";

export interface IntakeDeps {
  odoo: OdooClient;
  api: LineApi;
  sender: LineSender;
  tokens: ReplyTokens;
  linking: Linking;
  rateLimit: RateLimit;
  templates: Templates;
  log: Logger;
  replyTokenTtlMs: number;
  now?: () => number;
}

type Notice = LinkNotice | { template: "unlinked" | "non_text" | "notices_off" | "notices_on"; vars: Record<string, never> } | { template: "rate_limited"; vars: { limit: number; linked: boolean } };

const UNLINK = new Set(["解除綁定", "取消綁定", "unlink"]);
/** The indicator disappears as soon as the answer arrives; LINE allows 5–60 s. */
const LOADING_SECONDS = 60;
/** Larger files are noted on the ticket, not attached. */
const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
const FILE_NAMES: Record<string, (id: string) => string> = {
  image: (id) => `line-image-${id}.jpg`,
  video: (id) => `line-video-${id}.mp4`,
  audio: (id) => `line-audio-${id}.m4a`,
  file: (id) => `line-file-${id}`,
};
const KIND_NAMES: Record<string, string> = { sticker: "a sticker", image: "an image", video: "a video", audio: "a voice message", file: "a file", location: "a location" };

/**
 * One accepted webhook event into Odoo. Throws only when Odoo did not take it (the outbox retries);
 * a notice LINE refuses is logged, not retried, so a retry never posts the client's text twice.
 */
export class LineIntake {
  private readonly now: () => number;

  constructor(private readonly deps: IntakeDeps) {
    this.now = deps.now ?? Date.now;
  }

  async handle({ event }: OutboxEntry): Promise<void> {
    const userId = event.source?.type === "user" ? event.source.userId : undefined;
    // Groups, rooms and events held for another channel (standby) are not a client's conversation.
    if (!userId || event.mode === "standby") return;
    const limit = this.deps.rateLimit.check(userId, event.webhookEventId);
    if (!limit.allowed) return this.overLimit(event, userId, limit.firstRefusal);
    if (event.type === "follow") return this.onFollow(event, userId);
    if (event.type === "message") return this.onMessage(event, userId);
  }

  private async onFollow(event: LineEvent, userId: string): Promise<void> {
    if (await findLinkedPartner(this.deps.odoo, userId)) return;
    const { lang, notice } = await this.deps.linking.welcome(userId, () => this.profileLanguage(userId));
    await this.notify(event, userId, lang, notice);
  }

  /**
   * A message is one `lexreply_line_intake` call: the addon finds the linked partner and its open
   * LINE ticket and posts the text as the client (which calls /ask), or says the user is not linked.
   */
  private async onMessage(event: LineEvent, userId: string): Promise<void> {
    const text = event.message?.type === "text" ? (event.message.text ?? "") : null;
    // The answer of an account asked to let its link move to another (linking.ts); checked locally first.
    const move = text === null ? null : await this.deps.linking.answerMove(userId, text);
    if (move) return this.notify(event, userId, move.lang, move.notice);
    const lang = detectLanguage(text ?? "");
    if (text !== null && UNLINK.has(text.trim().toLowerCase())) return this.unlink(event, userId, lang);
    const notices = text === null ? null : noticeChoice(this.deps.templates, text);
    if (notices !== null) return this.setNotices(event, userId, text ?? "", notices);
    const base = { webhook_event_id: event.webhookEventId, line_user_id: userId };
    if (text === null) return this.nonText(event, userId, base);
    await this.beforeQuestion(event, userId);
    const posted = await lineIntake(this.deps.odoo, { ...base, text, as_note: false, note: false });
    if (!posted.partner_id) return this.linkingText(event, userId, text);
    if (posted.message_id) this.deps.tokens.bind(event.webhookEventId, posted.message_id);
    this.deps.log.info({ ticketId: posted.ticket_id, messageId: posted.message_id, webhookEventId: event.webhookEventId, duplicate: posted.duplicate }, "LINE message posted to its ticket");
  }

  /**
   * Every event kind counts against the hourly limit (stickers, files, follows, strangers' texts).
   * Over it nothing is downloaded, mailed or answered: a linked client's text (or the fact of a file)
   * is noted on the ticket so nothing they said is lost, and the user is told once per hour.
   */
  private async overLimit(event: LineEvent, userId: string, firstRefusal: boolean): Promise<void> {
    const { rateLimit } = this.deps;
    const message = event.type === "message" ? event.message : undefined;
    const text = message?.type === "text" ? (message.text ?? "") : "";
    let partner: { lang: string | false } | null = null;
    if (message && message.type !== "sticker") {
      const what = message.type === "text" ? `Their message:\n\n${text}` : `They sent ${KIND_NAMES[message.type] ?? `a ${message.type} message`}; it was not downloaded: ask the client for it if needed.`;
      const note = `Not answered automatically: the client sent over ${rateLimit.perHour} LINE messages this hour. ${what}`;
      const posted = await lineIntake(this.deps.odoo, { webhook_event_id: event.webhookEventId, line_user_id: userId, text: text || "(LINE)", as_note: true, note });
      if (posted.partner_id) partner = { lang: posted.partner_lang ?? false };
    }
    if (!partner) this.deps.log.info({ lineUserId: userId, type: event.type, webhookEventId: event.webhookEventId }, "LINE event over the hourly limit: dropped");
    if (firstRefusal) await this.notify(event, userId, detectLanguage(text, partner?.lang || undefined), { template: "rate_limited", vars: { limit: rateLimit.perHour, linked: partner !== null } });
  }

  /** The loading indicator, and the reply token kept for the answer: both before the intake, which calls /ask. */
  private async beforeQuestion(event: LineEvent, userId: string): Promise<void> {
    await this.quietly("loading indicator", () => this.deps.api.showLoading(userId, LOADING_SECONDS));
    // A redelivered event's reply token is not to be relied on: its answer is pushed.
    if (event.replyToken && !event.deliveryContext?.isRedelivery) this.deps.tokens.remember(event.webhookEventId, userId, event.replyToken, event.timestamp);
  }

  private async linkingText(event: LineEvent, userId: string, text: string): Promise<void> {
    const { lang, notice } = await this.deps.linking.handleText(userId, text, () => this.profileLanguage(userId));
    return this.notify(event, userId, lang, notice);
  }

  /** "停止通知" / "stop notices" and their opposites (template words): the client's switch for notices and reminders. */
  private async setNotices(event: LineEvent, userId: string, text: string, on: boolean): Promise<void> {
    const partner = await findLinkedPartner(this.deps.odoo, userId);
    if (!partner) return this.linkingText(event, userId, text);
    await setClientNotify(this.deps.odoo, partner.id, on);
    return this.notify(event, userId, detectLanguage(text, partner.lang || undefined), { template: on ? "notices_on" : "notices_off", vars: {} });
  }

  private async unlink(event: LineEvent, userId: string, lang: Language): Promise<void> {
    const partner = await findLinkedPartner(this.deps.odoo, userId);
    if (!partner) return this.linkingText(event, userId, event.message?.text ?? "");
    await unlinkPartner(this.deps.odoo, partner.id);
    return this.notify(event, userId, detectLanguage("", partner.lang || lang), { template: "unlinked", vars: {} });
  }

  /** Stickers, images, files, locations: a note on the ticket (files attached after it) and a short polite text. */
  private async nonText(event: LineEvent, userId: string, base: Pick<IntakeEvent, "webhook_event_id" | "line_user_id">): Promise<void> {
    const message = event.message!;
    const kind = KIND_NAMES[message.type] ?? `a ${message.type} message`;
    const fileName = FILE_NAMES[message.type];
    const file = fileName && message.contentProvider?.type !== "external" ? await this.deps.api.content(message.id, MAX_ATTACHMENT_BYTES) : undefined;
    let note = `The client sent ${kind} on LINE; only text is answered automatically.`;
    if (file === null) note += ` It is larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB and was not attached; ask the client for it another way.`;
    if (message.type === "location") note += `\n${[message.title, message.address, `${message.latitude}, ${message.longitude}`].filter(Boolean).join("\n")}`;
    const posted = await lineIntake(this.deps.odoo, { ...base, text: `(${kind})`, as_note: true, note });
    if (!posted.partner_id || !posted.ticket_id) {
      const { lang, notice } = await this.deps.linking.welcome(userId, () => this.profileLanguage(userId));
      return this.notify(event, userId, lang, notice);
    }
    if (file && fileName && !posted.duplicate) await attachFile(this.deps.odoo, posted.ticket_id, { name: message.fileName ?? fileName(message.id), bytes: file });
    const lang = posted.partner_lang ? detectLanguage("", posted.partner_lang) : await this.profileLanguage(userId);
    await this.notify(event, userId, lang, { template: "non_text", vars: {} });
  }

  /** Replies with the event's token while it is fresh, else pushes; a failure is logged, never retried. */
  private async notify(event: LineEvent, userId: string, lang: Language, notice: Notice): Promise<void> {
    const text = this.deps.templates.render(lang, `line/${notice.template}`, notice.vars);
    const fresh = !event.deliveryContext?.isRedelivery && this.now() - event.timestamp < this.deps.replyTokenTtlMs;
    const seed = `event:${event.webhookEventId}:${notice.template}`;
    await this.quietly(`${notice.template} notice`, () => this.deps.sender.send(userId, text, { replyToken: fresh ? event.replyToken : undefined, seed }));
  }

  private async profileLanguage(userId: string): Promise<Language> {
    try {
      return (await this.deps.api.profileLanguage(userId))?.startsWith("en") ? "en" : "zh-TW";
    } catch {
      return "zh-TW";
    }
  }

  private async quietly(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.deps.log.warn({ err }, `LINE ${what} not sent`);
    }
  }
}
