import PostalMime, { decodeWords, type Email } from "postal-mime";
import { XMLID } from "./base-data.js";
import type { Env } from "./env.js";
import { valueError } from "./errors.js";
import { plaintextToHtml } from "./html.js";
import { createMessage, type PostCommit } from "./mail.js";
import { TICKET_MODEL } from "./models.js";
import { odooNow, type OdooStore, type Vals } from "./store.js";

/** What a test makes the gateway do with the next messages: refuse one, or drop it as a mail loop. */
export type GatewayVerdict = "accept" | "loop" | { refuse: string };
export interface IncomingMail {
  messageId: string | undefined;
  from: string;
  to: string;
  subject: string;
}
export type GatewayFilter = (mail: IncomingMail) => GatewayVerdict;

const header = (mail: Email, key: string) => mail.headers.find((h) => h.key === key)?.value;

/** Odoo 18 itself ignores these; the addon filters them where the raw headers are still at hand. */
function isAutoSubmitted(mail: Email): boolean {
  const auto = header(mail, "auto-submitted")?.trim().toLowerCase();
  const precedence = header(mail, "precedence")?.trim().toLowerCase();
  return (
    (auto !== undefined && auto !== "no") ||
    header(mail, "x-autoreply") !== undefined ||
    header(mail, "x-autorespond") !== undefined ||
    (precedence !== undefined && ["bulk", "auto_reply", "junk", "list"].includes(precedence))
  );
}

/** `message_route` hands a delivery report to the bounce handler and routes it nowhere. */
function isBounce(mail: Email): boolean {
  const type = header(mail, "content-type")?.split(";")[0]?.trim().toLowerCase();
  const from = mail.from && "address" in mail.from ? (mail.from.address ?? "") : "";
  return type === "multipart/report" || from.split("@")[0]?.toLowerCase() === "mailer-daemon";
}

/** The receiving server's verdict, as the addon records it from `Authentication-Results`. */
function senderAuth(mail: Email): "pass" | "fail" | "none" {
  const results = mail.headers.filter((h) => h.key === "authentication-results").map((h) => h.value.toLowerCase());
  const verdict = (method: string) => results.map((r) => new RegExp(`\\b${method}=(\\w+)`).exec(r)?.[1]).find(Boolean);
  const dmarc = verdict("dmarc");
  if (dmarc) return dmarc === "pass" ? "pass" : "fail";
  if (verdict("dkim") === "pass" || verdict("spf") === "pass") return "pass";
  return results.length && (verdict("dkim") || verdict("spf")) ? "fail" : "none";
}

const messageIds = (value: string | undefined) => value?.match(/<[^>]+>/g) ?? [];

/** Partners whose address is this one, compared the way Odoo normalises emails. */
function partnersWithEmail(store: OdooStore, address: string): number[] {
  return store.search("res.partner", [["email", "=ilike", address.trim()]], { order: "id" });
}

/** The helpdesk makes every known To/Cc address a follower (so Odoo mails it the ticket's comments). */
function followKnownAddresses(store: OdooStore, ticketId: number, mail: Email, uid: number): void {
  const addresses = [...(mail.to ?? []), ...(mail.cc ?? [])].flatMap((a) => ("address" in a && a.address ? [a.address] : (a.group ?? []).map((g) => g.address)));
  const known = addresses.flatMap((a) => {
    const ids = partnersWithEmail(store, a);
    return ids.length === 1 ? ids : [];
  });
  if (known.length) store.write(TICKET_MODEL, [ticketId], { message_partner_ids: known.map((id) => [4, id]) }, uid);
}

/** Parsing is the only asynchronous step, so it runs before the transaction. */
export function parseMail(raw: unknown): Promise<Email> {
  if (typeof raw !== "string") throw new TypeError("message_process() needs the raw message as a string");
  return PostalMime.parse(raw, { attachmentEncoding: "base64" });
}

/**
 * `mail.thread.message_process(model, message, custom_values=None, ...)` as Odoo's gateway with
 * OCA helpdesk_mgmt does it: de-duplicate by Message-ID, thread by In-Reply-To/References, else
 * create a ticket (`message_new`). Returns the record id, `false` for a known Message-ID or a
 * bounce (filed nowhere), `null` when loop detection drops the message.
 */
export function messageProcess(
  env: Env,
  mail: Email,
  model: unknown,
  customValues: Vals,
  filter: GatewayFilter | null,
  after: PostCommit,
): number | false | null {
  const store = env.store;
  const from = decodeWords(header(mail, "from") ?? "").trim();
  const to = decodeWords(header(mail, "to") ?? "").trim();
  const incoming = { messageId: mail.messageId, from, to, subject: mail.subject ?? "" };
  const verdict = filter?.(incoming) ?? "accept";
  if (verdict === "loop") return null;
  if (verdict !== "accept") throw valueError(verdict.refuse);
  if (mail.messageId && store.search("mail.message", [["message_id", "=", mail.messageId]]).length) return false;
  if (isBounce(mail)) return false;

  const address = mail.from && "address" in mail.from ? (mail.from.address ?? "") : "";
  const matches = address ? partnersWithEmail(store, address) : [];
  const parent = [...messageIds(mail.inReplyTo), ...messageIds(mail.references)]
    .map((id) => store.search("mail.message", [["message_id", "=", id]])[0])
    .find((id) => id !== undefined);
  const parentRow = parent === undefined ? undefined : store.row("mail.message", parent);
  const auth = senderAuth(mail);

  let target: string;
  let resId: number;
  let subtype: string;
  if (parentRow?.model && parentRow.res_id && store.row(String(parentRow.model), parentRow.res_id as number)) {
    target = String(parentRow.model);
    resId = parentRow.res_id as number;
    subtype = XMLID.comment;
    if (target === TICKET_MODEL) store.write(TICKET_MODEL, [resId], { lexreply_sender_auth: auth }, env.uid);
  } else {
    if (model !== TICKET_MODEL)
      throw valueError(
        `No possible route found for incoming message from ${from} to ${to} (Message-Id ${mail.messageId ?? ""}:). Create an appropriate mail.alias or force the destination model.`,
      );
    env.checkModel(TICKET_MODEL, "create");
    target = TICKET_MODEL;
    resId = store.create(
      TICKET_MODEL,
      {
        name: mail.subject || "(no subject)",
        description: mail.html ?? plaintextToHtml(mail.text ?? ""),
        partner_email: from,
        partner_name: mail.from?.name || false,
        // OCA helpdesk_mgmt links the partner only when the address names exactly one.
        partner_id: matches.length === 1 ? matches[0] : false,
        lexreply_channel: "email",
        lexreply_sender_auth: auth,
        ...customValues,
      },
      env.uid,
    );
    subtype = XMLID.ticketCreated;
  }

  if (target === TICKET_MODEL) followKnownAddresses(store, resId, mail, env.uid);
  createMessage(
    store,
    {
      model: target,
      resId,
      body: mail.html ?? plaintextToHtml(mail.text ?? ""),
      messageType: "email",
      subtypeId: store.ref(subtype),
      // Odoo's gateway takes the first partner with the sender's address as the author.
      authorId: matches[0] ?? false,
      emailFrom: from || false,
      subject: mail.subject ?? false,
      messageId: mail.messageId,
      date: mail.date && !Number.isNaN(Date.parse(mail.date)) ? odooNow(new Date(mail.date)) : odooNow(),
      attachments: mail.attachments.map((a) => ({
        name: a.filename ?? "attachment",
        datas: String(a.content),
        mimetype: a.mimeType,
      })),
      autoSubmitted: isAutoSubmitted(mail),
      senderAuth: auth,
    },
    after,
    env.uid,
  );
  return resId;
}
