import { idFromRecordsetText, type OdooClient } from "../odoo/client.js";
import { htmlToText } from "../pipeline/text.js";

export interface SandboxClient {
  id: number;
  name: string;
  email: string | false;
  lineUserId: string | false;
}

export interface SandboxTeam {
  id: number;
  name: string;
  policy: string;
}

export interface ChatterEntry {
  id: number;
  author: string;
  /** An internal note (staff only) or a message the client receives. */
  internal: boolean;
  text: string;
}

const TICKET = "helpdesk.ticket";

/**
 * The sample firm as its staff see it, through Odoo's own RPC as the administrator: the clients to
 * pick from, posting a client's message on a ticket (which fires the addon's automation and so the
 * real `/ask`), and the chatter afterwards.
 */
export class SandboxFirm {
  constructor(private readonly admin: OdooClient) {}

  async clients(): Promise<SandboxClient[]> {
    const rows = await this.admin.executeKw<{ id: number; name: string; email: string | false; lexreply_line_user_id: string | false; partner_share: boolean }[]>(
      "res.partner",
      "search_read",
      [[["email", "!=", false]]],
      { fields: ["name", "email", "lexreply_line_user_id", "partner_share"], order: "id" },
    );
    return rows.filter((r) => r.partner_share).map((r) => ({ id: r.id, name: r.name, email: r.email, lineUserId: r.lexreply_line_user_id }));
  }

  async teams(): Promise<SandboxTeam[]> {
    const rows = await this.admin.executeKw<{ id: number; name: string; lexreply_policy: string }[]>("helpdesk.ticket.team", "search_read", [[["lexreply_enabled", "=", true]]], {
      fields: ["name", "lexreply_policy"],
      order: "id",
    });
    return rows.map((r) => ({ id: r.id, name: r.name, policy: r.lexreply_policy }));
  }

  /** The client's open ticket on this channel and team, else a new one, as LINE intake and the mail gateway would. */
  private async ticketFor(client: SandboxClient, channel: "email" | "line", teamId: number, text: string): Promise<number> {
    const domain = [["partner_id", "=", client.id], ["lexreply_channel", "=", channel], ["team_id", "=", teamId], ["lexreply_open", "=", true]];
    const [open] = await this.admin.executeKw<number[]>(TICKET, "search", [domain], { order: "id desc", limit: 1 });
    if (open) return open;
    return this.admin.executeKw<number>(TICKET, "create", [
      {
        name: text.slice(0, 60),
        description: text,
        partner_id: client.id,
        partner_email: client.email,
        team_id: teamId,
        lexreply_channel: channel,
        lexreply_line_user_id: channel === "line" ? client.lineUserId : false,
      },
    ]);
  }

  /** Posts the question as the client: Odoo's automation then calls the sidecar's `/ask`, as in production. */
  async postQuestion(client: SandboxClient, channel: "email" | "line", teamId: number, text: string): Promise<{ ticketId: number; messageId: number }> {
    const ticketId = await this.ticketFor(client, channel, teamId, text);
    const posted = await this.admin.executeKw(TICKET, "message_post", [[ticketId]], {
      body: text,
      message_type: channel === "email" ? "email" : "comment",
      subtype_xmlid: "mail.mt_comment",
      author_id: client.id,
    });
    const messageId = idFromRecordsetText(posted);
    if (messageId === undefined) throw new Error(`Odoo answered message_post with ${JSON.stringify(posted)}`);
    return { ticketId, messageId };
  }

  async ticketState(ticketId: number): Promise<{ name: string; state: string | false }> {
    const [row] = await this.admin.executeKw<{ name: string; lexreply_state: string | false }[]>(TICKET, "read", [[ticketId]], { fields: ["name", "lexreply_state"] });
    return { name: row?.name ?? "", state: row?.lexreply_state ?? false };
  }

  /** What the ticket's chatter shows after the client's message, oldest first. */
  async chatterAfter(ticketId: number, messageId: number): Promise<ChatterEntry[]> {
    const { records } = await this.admin.executeKw<{ records: { id: number; body: string | false; author_id: { display_name: string } | false; subtype_id: { internal: boolean } | false }[] }>(
      "mail.message",
      "web_search_read",
      [[["model", "=", TICKET], ["res_id", "=", ticketId], ["id", ">", messageId]]],
      { specification: { body: {}, author_id: { fields: { display_name: {} } }, subtype_id: { fields: { internal: {} } } }, order: "id asc" },
    );
    return records.map((m) => ({ id: m.id, author: m.author_id ? m.author_id.display_name : "", internal: m.subtype_id ? m.subtype_id.internal : false, text: htmlToText(m.body || "") }));
  }

  async activities(ticketId: number): Promise<{ summary: string; user: string; deadline: string }[]> {
    const rows = await this.admin.executeKw<{ summary: string | false; user_id: [number, string] | false; date_deadline: string }[]>(
      "mail.activity",
      "search_read",
      [[["res_model", "=", TICKET], ["res_id", "=", ticketId]]],
      { fields: ["summary", "user_id", "date_deadline"], order: "id asc" },
    );
    return rows.map((r) => ({ summary: r.summary || "", user: r.user_id ? r.user_id[1] : "", deadline: r.date_deadline }));
  }
}
