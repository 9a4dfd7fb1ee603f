import { idFromRecordsetText, type OdooClient } from "../odoo/client.js";
import { htmlToText } from "../pipeline/text.js";

export interface SandboxClient {
  /** 0 for the unknown sender: an address no partner has. */
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

/** Someone writing from an address no partner has, as the mail gateway would file it: a ticket with no partner. */
export const UNKNOWN_SENDER: SandboxClient = { id: 0, name: "an unknown sender", email: "someone.unknown@example.net", lineUserId: false };

/**
 * The sample firm as its staff see it, through Odoo's own RPC as the administrator: the clients to
 * pick from, posting a client's message on a ticket (which fires the addon's automation and so the
 * real `/ask`), and the chatter afterwards.
 */
export class SandboxFirm {
  constructor(private readonly admin: OdooClient) {}

  /** The firm's clients: customers with an address, not the firm's own company (its staff's company). */
  async clients(): Promise<SandboxClient[]> {
    const rows = await this.admin.executeKw<{ id: number; name: string; email: string | false; lexreply_line_user_id: string | false; partner_share: boolean }[]>(
      "res.partner",
      "search_read",
      [[["email", "!=", false]]],
      { fields: ["name", "email", "lexreply_line_user_id", "partner_share"], order: "id" },
    );
    const firm = await this.firmPartners();
    return rows.filter((r) => r.partner_share && !firm.has(r.id)).map((r) => ({ id: r.id, name: r.name, email: r.email, lineUserId: r.lexreply_line_user_id }));
  }

  /** The companies the firm's own users belong to. */
  private async firmPartners(): Promise<Set<number>> {
    const staff = await this.admin.executeKw<{ partner_id: [number, string] }[]>("res.users", "search_read", [[["share", "=", false]]], { fields: ["partner_id"] });
    const partners = await this.admin.executeKw<{ parent_id: [number, string] | false }[]>("res.partner", "read", [staff.map((u) => u.partner_id[0])], { fields: ["parent_id"] });
    return new Set(partners.flatMap((p) => (p.parent_id ? [p.parent_id[0]] : [])));
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
    const who = client.id ? ["partner_id", "=", client.id] : ["partner_email", "=", client.email];
    const domain = [who, ["lexreply_channel", "=", channel], ["team_id", "=", teamId], ["lexreply_open", "=", true]];
    const [open] = await this.admin.executeKw<number[]>(TICKET, "search", [domain], { order: "id desc", limit: 1 });
    if (open) return open;
    return this.admin.executeKw<number>(TICKET, "create", [
      {
        name: text.slice(0, 60),
        description: text,
        partner_id: client.id || false,
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
      author_id: client.id || false,
      ...(client.id ? {} : { email_from: client.email }),
    });
    const messageId = idFromRecordsetText(posted);
    if (messageId === undefined) throw new Error(`Odoo answered message_post with ${JSON.stringify(posted)}`);
    return { ticketId, messageId };
  }

  async ticketState(ticketId: number): Promise<{ name: string; state: string | false }> {
    const { name, state } = await this.ticket(ticketId);
    return { name, state };
  }

  /** What Approve & send needs to know of a ticket. */
  async ticket(ticketId: number): Promise<{ name: string; state: string | false; draft: string; channel: "email" | "line"; partnerId: number | false; lineUserId: string | false }> {
    const [row] = await this.admin.executeKw<
      { name: string; lexreply_state: string | false; lexreply_draft: string | false; lexreply_channel: "email" | "line"; partner_id: [number, string] | false; lexreply_line_user_id: string | false }[]
    >(TICKET, "read", [[ticketId]], { fields: ["name", "lexreply_state", "lexreply_draft", "lexreply_channel", "partner_id", "lexreply_line_user_id"] });
    if (!row) throw new Error(`ticket ${ticketId} does not exist`);
    return {
      name: row.name,
      state: row.lexreply_state,
      draft: row.lexreply_draft || "",
      channel: row.lexreply_channel,
      partnerId: row.partner_id ? row.partner_id[0] : false,
      lineUserId: row.lexreply_line_user_id,
    };
  }

  /** The newest message on the ticket: what came after it is what an action caused. */
  async lastMessageId(ticketId: number): Promise<number> {
    const [last] = await this.admin.executeKw<number[]>("mail.message", "search", [[["model", "=", TICKET], ["res_id", "=", ticketId]]], { order: "id desc", limit: 1 });
    return last ?? 0;
  }

  /**
   * What the addon's Approve & send does once a paralegal presses it, as the administrator: on e-mail
   * the draft becomes the comment Odoo mails to the client; on LINE the sidecar sends it (here, to
   * the recorder) and the chatter gets a note instead.
   */
  async approve(ticketId: number, text: string, channel: "email" | "line", partnerId: number | false): Promise<void> {
    const post = (body: string, subtype: string, partners: number[]) =>
      this.admin.executeKw(TICKET, "message_post", [[ticketId]], { body, message_type: "comment", subtype_xmlid: subtype, partner_ids: partners });
    if (channel === "email") await post(text, "mail.mt_comment", partnerId ? [partnerId] : []);
    else await post(`Approved draft sent on LINE:\n${text}`, "mail.mt_note", []);
    await this.admin.executeKw(TICKET, "write", [[ticketId], { lexreply_state: "sent" }]);
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
