import { XMLID } from "./base-data.js";
import type { Env } from "./env.js";
import { accessError, userError, valueError } from "./errors.js";
import { escapedParagraph, plaintextToHtml } from "./html.js";
import { createMessage, formatAddress, type PostCommit } from "./mail.js";
import type { Row, Vals } from "./store.js";

const KEY_RE = /^(update:\d+|reminder:\d+:\d{4}-\d{2}-\d{2}:\d+)$/;
const NOTICE = "lexreply.notice";

/**
 * `legal.case.lexreply_notice_apply(ids, values)` as the addon implements it: idempotent by `key`
 * (a repeat answers the first result; an approved LINE notice may become sent or go back to draft),
 * refusing a notice the client turned off, an update that is not client-visible, or a channel the
 * client does not have. An e-mailed notice is a comment the client receives, marked automatic.
 */
export function noticeApply(env: Env, model: string, ids: number[], values: unknown, after: PostCommit): Vals {
  if (model !== "legal.case") throw new TypeError(`'${model}' object has no attribute 'lexreply_notice_apply'`);
  if (ids.length !== 1) throw valueError(`Expected singleton: legal.case(${ids.join(", ")})`);
  const [matter] = env.browse("legal.case", ids);
  const v = (values ?? {}) as Vals;
  const store = env.store;
  const key = String(v.key ?? "");
  if (!KEY_RE.test(key)) throw userError(`Invalid notice key ${key}.`);
  const existing = store.rows(NOTICE).find((n) => n.key === key);
  if (existing) return again(env, matter!, existing, v, after);
  if (!["sent", "draft", "skipped"].includes(String(v.state)) || !["update", "reminder"].includes(String(v.kind))) throw userError("Invalid notice state or kind.");
  if (v.kind === "update") {
    const update = store.row("legal.case.update", Number(v.update_id));
    if (!update || update.case_id !== matter!.id || update.client_visible !== true)
      throw accessError("Only a client-visible update of this matter is told to the client.");
  }
  const partner = store.row("res.partner", matter!.partner_id as number)!;
  const delivered = v.state === "sent" ? v.delivered : false;
  if (v.state !== "skipped" && partner.lexreply_notify === false) throw userError("The client turned notices off: nothing is sent.");
  if (v.state === "sent" && delivered === "push" && !partner.lexreply_line_user_id) throw userError("The client has no linked LINE account.");
  if (v.state === "sent" && delivered === "email") emailClient(env, matter!, partner, String(v.client_text ?? ""), after);
  else if (v.state === "sent" && delivered !== "push") throw userError("A sent notice is sent by push or e-mail.");
  const id = store.create(
    NOTICE,
    {
      key,
      case_id: matter!.id,
      kind: v.kind,
      update_id: v.kind === "update" ? v.update_id : false,
      event_date: v.event_date || false,
      state: v.state,
      client_text: v.client_text || false,
      delivered: delivered || false,
      note: v.note || false,
    },
    env.uid,
  );
  logOnMatter(env, matter!, store.row(NOTICE, id)!, after);
  return { notice_id: id, state: v.state, duplicate: false };
}

function again(env: Env, matter: Row, notice: Row, v: Vals, after: PostCommit): Vals {
  const changes =
    notice.state === "approved" && v.state === "sent" && v.delivered === "push"
      ? { state: "sent", delivered: "push" }
      : notice.state === "approved" && v.state === "draft"
        ? { state: "draft", note: v.note || false }
        : null;
  if (!changes) return { notice_id: notice.id, state: notice.state, duplicate: true };
  env.store.write(NOTICE, [notice.id], changes, env.uid);
  logOnMatter(env, matter, env.store.row(NOTICE, notice.id)!, after);
  return { notice_id: notice.id, state: changes.state, duplicate: false };
}

/** The client follows the matter and gets the comment; Odoo's mail carries `Auto-Submitted: auto-replied`. */
function emailClient(env: Env, matter: Row, partner: Row, text: string, after: PostCommit): void {
  if (!partner.email) throw userError("The client has no e-mail address.");
  const author = env.store.row("res.partner", env.partnerId);
  const messageId = createMessage(
    env.store,
    {
      model: "legal.case",
      resId: matter.id,
      body: plaintextToHtml(text),
      messageType: "comment",
      subtypeId: env.store.ref(XMLID.comment, "mail.message.subtype"),
      authorId: env.partnerId,
      emailFrom: formatAddress(author?.name, author?.email),
      partnerIds: [partner.id],
    },
    after,
    env.uid,
  );
  const mails = env.store.search("mail.mail", [["mail_message_id", "=", messageId]]);
  env.store.write("mail.mail", mails, { headers: "{'Auto-Submitted': 'auto-replied'}" });
}

function logOnMatter(env: Env, matter: Row, notice: Row, after: PostCommit): void {
  const how = notice.delivered === "push" ? "LINE push" : notice.delivered === "email" ? "E-mail" : String(notice.state);
  const kind = notice.kind === "update" ? "Case update" : "Hearing reminder";
  const text = [`${kind} (${how})`, notice.note, notice.delivered !== "email" ? notice.client_text : ""].filter(Boolean).join("\n\n");
  createMessage(
    env.store,
    {
      model: "legal.case",
      resId: matter.id,
      body: escapedParagraph(String(text)),
      messageType: "comment",
      subtypeId: env.store.ref(XMLID.note, "mail.message.subtype"),
      authorId: env.partnerId,
      emailFrom: false,
    },
    after,
    env.uid,
  );
}
