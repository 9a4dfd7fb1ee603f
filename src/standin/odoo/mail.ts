import { XMLID } from "./base-data.js";
import type { Env } from "./env.js";
import { accessError, valueError } from "./errors.js";
import { escapedParagraph } from "./html.js";
import { TICKET_MODEL } from "./models.js";
import { queueOutgoingMail } from "./outgoing-mail.js";
import type { OdooStore, Vals } from "./store.js";
import { odooNow } from "./store.js";

/** A client message the addon's `on_message_received` automation reacts to. */
export interface ClientMessage {
  ticketId: number;
  messageId: number;
}

/** What runs after the transaction commits, still inside the request (Odoo's `cr.postcommit`). */
export interface PostCommit {
  clientMessages: ClientMessage[];
}



export interface NewMessage {
  model: string;
  resId: number;
  body: string;
  messageType: string;
  subtypeId: number;
  authorId: number | false;
  emailFrom: string | false;
  subject?: string | false;
  messageId?: string;
  partnerIds?: number[];
  attachments?: { name: string; datas: string; mimetype?: string }[];
  attachmentIds?: number[];
  date?: string;
  /** The receiving server's verdict on this message (the addon's `mail.message.lexreply_sender_auth`). */
  senderAuth?: "pass" | "fail" | "none";
  lineEventId?: string;
  /** The addon's relay of a holding reply to a partner-less ticket's `partner_email`. */
  relayTo?: string;
  /** Auto-Submitted / X-Autoreply mail: filed like Odoo does, but the addon's automation skips it. */
  autoSubmitted?: boolean;
}

export function newMessageId(model: string, resId: number): string {
  return `<${Date.now()}.${Math.random().toString(36).slice(2, 10)}-openerp-${resId}-${model}@lexreply-standin>`;
}

export function formatAddress(name: unknown, email: unknown): string | false {
  if (!email) return false;
  return name ? `"${String(name)}" <${String(email)}>` : String(email);
}

/** Creates the mail.message (and its attachments) as the system, then runs the automation check. */
export function createMessage(store: OdooStore, m: NewMessage, after: PostCommit, uid: number): number {
  const record = store.row(m.model, m.resId)!;
  const attachmentIds = [
    ...(m.attachmentIds ?? []),
    ...(m.attachments ?? []).map((a) => store.create("ir.attachment", { ...a, res_model: m.model, res_id: m.resId }, uid)),
  ];
  for (const id of m.attachmentIds ?? []) store.write("ir.attachment", [id], { res_model: m.model, res_id: m.resId }, uid);
  const id = store.create(
    "mail.message",
    {
      model: m.model,
      res_id: m.resId,
      record_name: store.displayName(m.model, record),
      body: m.body,
      subject: m.subject ?? false,
      message_type: m.messageType,
      subtype_id: m.subtypeId,
      author_id: m.authorId,
      email_from: m.emailFrom,
      message_id: m.messageId ?? newMessageId(m.model, m.resId),
      partner_ids: m.partnerIds ?? [],
      attachment_ids: attachmentIds,
      date: m.date ?? odooNow(),
      lexreply_sender_auth: m.senderAuth ?? "none",
      lexreply_line_event_id: m.lineEventId ?? false,
    },
    uid,
  );
  queueOutgoingMail(store, store.row("mail.message", id)!, m.relayTo);
  if (firesOnMessageReceived(store, m)) after.clientMessages.push({ ticketId: m.resId, messageId: id });
  return id;
}

/**
 * base.automation `on_message_received` as the addon configures it: a customer's (share partner's)
 * or anonymous email/comment on a ticket; never a note, a notification, staff's posts or auto-replies.
 */
function firesOnMessageReceived(store: OdooStore, m: NewMessage): boolean {
  if (m.model !== TICKET_MODEL || m.autoSubmitted) return false;
  if (m.messageType !== "email" && m.messageType !== "comment") return false;
  if (store.row("mail.message.subtype", m.subtypeId)?.internal) return false;
  const author = m.authorId ? store.row("res.partner", m.authorId) : undefined;
  return !author || store.value("res.partner", author, "partner_share") === true;
}

const asIds = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => typeof x === "number") : []);

function singleton(model: string, ids: number[]): number {
  if (ids.length !== 1) throw valueError(`Expected singleton: ${model}(${ids.join(", ")})`);
  return ids[0]!;
}

function threadRecord(env: Env, model: string, ids: number[], op: "write" | "read"): number {
  const def = env.checkModel(model, op);
  if (!def.mailThread) throw new TypeError(`'${model}' object has no mail.thread methods`);
  const id = singleton(model, ids);
  env.browse(model, [id]);
  return id;
}

/** `mail.thread.message_post`: posting needs write access to the document (`_mail_post_access`). */
export function messagePost(env: Env, model: string, ids: number[], kwargs: Vals, after: PostCommit): number {
  const resId = threadRecord(env, model, ids, "write");
  const messageType = (kwargs.message_type as string | undefined) ?? "notification";
  if (!["email", "comment", "notification", "auto_comment"].includes(messageType))
    throw valueError(`Posting a message with type ${messageType} is not supported`);
  const subtypeXmlid = (kwargs.subtype_xmlid as string | undefined) ?? (kwargs.subtype_id ? undefined : XMLID.note);
  const subtypeId = subtypeXmlid ? env.store.ref(subtypeXmlid, "mail.message.subtype") : (kwargs.subtype_id as number);
  // The addon: what the integration user says to a client goes through lexreply_apply, never a bare comment.
  if (model === TICKET_MODEL && !env.isAdmin && !env.store.row("mail.message.subtype", subtypeId)?.internal && env.uid === env.store.ref(XMLID.bot))
    throw accessError("LexReply: the integration user may not post a comment on a ticket itself; use lexreply_apply");
  const authorId = (kwargs.author_id as number | undefined) ?? env.partnerId;
  const author = env.store.row("res.partner", authorId);
  const body = String(kwargs.body ?? "");
  const attachments = Array.isArray(kwargs.attachments) ? (kwargs.attachments as unknown[][]) : [];
  return createMessage(
    env.store,
    {
      model,
      resId,
      body: kwargs.body_is_html ? body : escapedParagraph(body),
      messageType,
      subtypeId,
      authorId,
      emailFrom: (kwargs.email_from as string | undefined) ?? formatAddress(author?.name, author?.email),
      subject: (kwargs.subject as string | undefined) ?? false,
      partnerIds: asIds(kwargs.partner_ids),
      attachmentIds: asIds(kwargs.attachment_ids),
      // Odoo encodes a str content as UTF-8 bytes: the content is the file, not base64 of it.
      attachments: attachments.map(([name, content]) => ({
        name: String(name),
        datas: Buffer.from(String(content ?? ""), "utf8").toString("base64"),
      })),
    },
    after,
    env.uid,
  );
}

/**
 * `mail.activity.mixin.activity_schedule(act_type_xmlid='', date_deadline=None, summary='', note='', **act_values)`.
 * Without `user_id` the activity goes to the caller, as in Odoo.
 */
export function activitySchedule(env: Env, model: string, ids: number[], args: unknown[], kwargs: Vals): number[] {
  const [xmlidArg, deadlineArg, summaryArg, noteArg] = args;
  const { act_type_xmlid = xmlidArg, date_deadline = deadlineArg, summary = summaryArg, note = noteArg, ...actValues } = kwargs;
  env.checkModel("mail.activity", "create");
  const typeId = act_type_xmlid
    ? env.store.ref(String(act_type_xmlid), "mail.activity.type")
    : ((actValues.activity_type_id as number | undefined) ?? env.store.ref(XMLID.todo));
  const delay = Number(env.store.row("mail.activity.type", typeId)?.delay_count ?? 0);
  const deadline = (date_deadline as string | undefined) || new Date(Date.now() + delay * 86_400_000).toISOString().slice(0, 10);
  return ids.map((id) => {
    threadRecord(env, model, [id], "read");
    return env.store.create(
      "mail.activity",
      {
        ...actValues,
        res_model: model,
        res_id: id,
        activity_type_id: typeId,
        summary: summary || false,
        note: note || false,
        user_id: (actValues.user_id as number | undefined) || env.uid,
        date_deadline: deadline,
      },
      env.uid,
    );
  });
}
