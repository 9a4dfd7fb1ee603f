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
import {
  attachFile,
  findClientText,
  findLinkedPartner,
  openTicketFor,
  postClientText,
  postTicketNote,
  unlinkPartner,
  type LinkedPartner,
} from "./odoo-records.js";
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

type Notice = LinkNotice | { template: "unlinked" | "non_text" | "notices_off" | "notices_on"; vars: Record<string, never> } | { template: "rate_limited"; vars: { limit: number } };

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

  async handle({ event, attempts }: OutboxEntry): Promise<void> {
    const userId = event.source?.type === "user" ? event.source.userId : undefined;
    // Groups, rooms and events held for another channel (standby) are not a client's conversation.
    if (!userId || event.mode === "standby") return;
    if (event.type === "follow") return this.onFollow(event, userId);
    if (event.type === "message") return this.onMessage(event, userId, attempts);
  }

  private async onFollow(event: LineEvent, userId: string): Promise<void> {
    if (await findLinkedPartner(this.deps.odoo, userId)) return;
    const { lang, notice } = await this.deps.linking.welcome(userId, () => this.profileLanguage(userId));
    await this.notify(event, userId, lang, notice);
  }

  private async onMessage(event: LineEvent, userId: string, attempts: number): Promise<void> {
    const partner = await findLinkedPartner(this.deps.odoo, userId);
    const text = event.message?.type === "text" ? (event.message.text ?? "") : null;
    if (!partner) {
      const firstLang = () => this.profileLanguage(userId);
      const { lang, notice } = text === null ? await this.deps.linking.welcome(userId, firstLang) : await this.deps.linking.handleText(userId, text, firstLang);
      return this.notify(event, userId, lang, notice);
    }
    if (text === null) return this.nonText(event, userId, partner);
    const lang = detectLanguage(text, partner.lang || undefined);
    if (UNLINK.has(text.trim().toLowerCase())) {
      await unlinkPartner(this.deps.odoo, partner.id);
      return this.notify(event, userId, lang, { template: "unlinked", vars: {} });
    }
    const notices = noticeChoice(this.deps.templates, text);
    if (notices !== null) {
      await setClientNotify(this.deps.odoo, partner.id, notices);
      return this.notify(event, userId, lang, { template: notices ? "notices_on" : "notices_off", vars: {} });
    }
    if (!this.deps.rateLimit.allow(userId)) {
      const ticketId = await openTicketFor(this.deps.odoo, partner, userId, text);
      await postTicketNote(this.deps.odoo, ticketId, `Not answered automatically: the client sent over ${this.deps.rateLimit.perHour} questions this hour. Their message:\n\n${text}`);
      return this.notify(event, userId, lang, { template: "rate_limited", vars: { limit: this.deps.rateLimit.perHour } });
    }
    await this.question(event, userId, partner, text, attempts);
  }

  /** Posted as the client's own message: the addon's automation then calls /ask, and the answer comes back through LineDelivery. */
  private async question(event: LineEvent, userId: string, partner: LinkedPartner, text: string, attempts: number): Promise<void> {
    await this.quietly("loading indicator", () => this.deps.api.showLoading(userId, LOADING_SECONDS));
    // A redelivered event's reply token is not to be relied on: its answer is pushed.
    if (event.replyToken && !event.deliveryContext?.isRedelivery) this.deps.tokens.remember(event.webhookEventId, userId, event.replyToken, event.timestamp);
    const { odoo } = this.deps;
    const ticketId = await openTicketFor(odoo, partner, userId, text);
    const already = attempts > 0 ? await findClientText(odoo, ticketId, partner.id, text) : null;
    const messageId = already ?? (await postClientText(odoo, ticketId, partner.id, text));
    this.deps.tokens.bind(event.webhookEventId, messageId);
    this.deps.log.info({ ticketId, messageId, webhookEventId: event.webhookEventId }, "LINE message posted to its ticket");
  }

  /** Stickers, images, files, locations: noted on the ticket (files attached) and a short polite text. */
  private async nonText(event: LineEvent, userId: string, partner: LinkedPartner): Promise<void> {
    const message = event.message!;
    const kind = KIND_NAMES[message.type] ?? `a ${message.type} message`;
    const ticketId = await openTicketFor(this.deps.odoo, partner, userId, `(${kind})`);
    const attachmentIds: number[] = [];
    let note = `The client sent ${kind} on LINE; only text is answered automatically.`;
    const fileName = FILE_NAMES[message.type];
    if (fileName && message.contentProvider?.type !== "external") {
      const bytes = await this.deps.api.content(message.id, MAX_ATTACHMENT_BYTES);
      if (bytes) attachmentIds.push(await attachFile(this.deps.odoo, ticketId, { name: message.fileName ?? fileName(message.id), bytes }));
      else note += ` It is larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB and was not attached; ask the client for it another way.`;
    }
    if (message.type === "location") note += `\n${[message.title, message.address, `${message.latitude}, ${message.longitude}`].filter(Boolean).join("\n")}`;
    await postTicketNote(this.deps.odoo, ticketId, note, attachmentIds);
    await this.notify(event, userId, detectLanguage("", partner.lang || undefined), { template: "non_text", vars: {} });
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
      this.deps.log.warn({ err: (err as Error).message }, `LINE ${what} not sent`);
    }
  }
}
