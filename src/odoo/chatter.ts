import type { OdooClient } from "./client.js";
import { textToHtml } from "../pipeline/text.js";

export type TicketState = "pending" | "answering" | "draft" | "sent" | "escalated" | "failed";

export interface TicketWrite {
  lexreply_state: TicketState;
  lexreply_draft?: string | false;
  lexreply_case_id?: number | false;
}

const TICKET = "helpdesk.ticket";

export function writeTicket(odoo: OdooClient, ticketId: number, vals: TicketWrite): Promise<boolean> {
  return odoo.executeKw<boolean>(TICKET, "write", [[ticketId], vals]);
}

/** A comment: Odoo mails it to the ticket's followers, i.e. the client. */
export function postComment(odoo: OdooClient, ticketId: number, text: string): Promise<unknown> {
  return odoo.executeKw(TICKET, "message_post", [[ticketId]], {
    body: textToHtml(text),
    body_is_html: true,
    message_type: "comment",
    subtype_xmlid: "mail.mt_comment",
  });
}

/** An internal note: staff see it in the chatter, the client never receives it. */
export function postNote(odoo: OdooClient, ticketId: number, text: string): Promise<unknown> {
  return odoo.executeKw(TICKET, "message_post", [[ticketId]], {
    body: textToHtml(text),
    body_is_html: true,
    message_type: "comment",
    subtype_xmlid: "mail.mt_note",
  });
}

/** Without `user_id` Odoo gives the activity to the caller, the integration user, where nobody sees it. */
export function scheduleActivity(odoo: OdooClient, ticketId: number, userId: number | null, summary: string, note: string): Promise<unknown> {
  return odoo.executeKw(TICKET, "activity_schedule", [[ticketId], "mail.mail_activity_data_todo"], {
    summary,
    note: textToHtml(note),
    ...(userId ? { user_id: userId } : {}),
  });
}
