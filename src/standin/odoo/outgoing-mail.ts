import { XMLID } from "./base-data.js";
import { TICKET_MODEL } from "./models.js";
import type { OdooStore, Row } from "./store.js";

/**
 * What Odoo would email for a new message, queued as `mail.mail` so tests can see who gets a reply:
 * a comment (Discussions subtype) goes to the ticket's client (a follower) and any `partner_ids`,
 * never to its author. The addon adds the case DESIGN.md describes: the integration user's comment on
 * a ticket without partner goes to the ticket's `partner_email` (`relayTo`), and only a holding reply does (lexreply_apply decides). Odoo 18 threads replies with
 * `References` (the ticket's first message, then this one) and sets no In-Reply-To.
 */
export function queueOutgoingMail(store: OdooStore, message: Row, relayTo?: string): void {
  if (message.subtype_id !== store.ref(XMLID.comment)) return;
  const record = store.row(String(message.model), message.res_id as number);
  if (!record) return;
  const followers = message.model === TICKET_MODEL ? ((record.message_partner_ids as number[] | undefined) ?? []) : [];
  const recipients = [...new Set([...followers, ...((message.partner_ids as number[]) ?? [])])].filter((p) => p !== message.author_id);
  const botPartner = store.row("res.users", store.ref(XMLID.bot))!.partner_id;
  const toPartnerEmail = relayTo ?? false;
  if (!recipients.length && !toPartnerEmail) return;
  const first = store.search("mail.message", [["model", "=", message.model], ["res_id", "=", message.res_id], ["message_id", "!=", false]], {
    order: "id asc",
    limit: 1,
  })[0];
  const references = [first === undefined ? undefined : store.row("mail.message", first)!.message_id, message.message_id]
    .filter((r, i, all) => r && all.indexOf(r) === i)
    .join(" ");
  store.create("mail.mail", {
    mail_message_id: message.id,
    subject: message.subject || `Re: ${store.displayName(String(message.model), record)}`,
    body_html: message.body,
    recipient_ids: recipients,
    email_to: toPartnerEmail,
    // Everything LexReply causes to be mailed is marked automatic, so responders do not answer it.
    auto_submitted: message.author_id === botPartner ? "auto-replied" : false,
    references,
  });
}
