import type { OdooStore } from "./store.js";

/** What every Odoo database with the addon has before any firm data: the fixed ids Odoo itself uses. */
export const ADMIN_UID = 2;
export const ADMIN_PASSWORD = "admin";
export const BOT_LOGIN = "lexreply-bot";
export const DEFAULT_BOT_PASSWORD = "lexreply-bot-key";

export const XMLID = {
  company: "base.main_company",
  admin: "base.user_admin",
  bot: "lexreply.user_lexreply_bot",
  comment: "mail.mt_comment",
  note: "mail.mt_note",
  ticketCreated: "helpdesk_mgmt.hlp_tck_created",
  todo: "mail.mail_activity_data_todo",
} as const;

export function createUser(
  store: OdooStore,
  user: { login: string; name: string; email?: string; share?: boolean; active?: boolean; parentId?: number },
): number {
  const partnerId = store.create("res.partner", {
    name: user.name,
    email: user.email ?? false,
    parent_id: user.parentId ?? false,
    active: user.active ?? true,
  });
  return store.create("res.users", {
    login: user.login,
    partner_id: partnerId,
    share: user.share ?? false,
    active: user.active ?? true,
  });
}

export function installBaseData(store: OdooStore): void {
  const company = store.create("res.partner", { name: "My Company", is_company: true });
  store.setXmlid(XMLID.company, "res.partner", company);
  // uid 1 is Odoo's superuser (__system__, archived); the administrator is uid 2.
  createUser(store, { login: "__system__", name: "OdooBot", active: false, parentId: company });
  const admin = createUser(store, { login: "admin", name: "Administrator", email: "admin@example.com", parentId: company });
  store.setXmlid(XMLID.admin, "res.users", admin);
  store.setPassword(admin, ADMIN_PASSWORD);
  const bot = createUser(store, { login: BOT_LOGIN, name: "LexReply Bot", email: "lexreply-bot@example.com", parentId: company });
  store.setXmlid(XMLID.bot, "res.users", bot);
  store.setPassword(bot, DEFAULT_BOT_PASSWORD);

  const subtypes: [string, string, boolean][] = [
    [XMLID.comment, "Discussions", false],
    [XMLID.note, "Note", true],
    ["mail.mt_activities", "Activities", true],
    [XMLID.ticketCreated, "Ticket Created", false],
  ];
  for (const [xmlid, name, internal] of subtypes)
    store.setXmlid(xmlid, "mail.message.subtype", store.create("mail.message.subtype", { name, internal }));

  const activityTypes: [string, string, number][] = [
    ["mail.mail_activity_data_email", "Email", 0],
    ["mail.mail_activity_data_call", "Call", 2],
    ["mail.mail_activity_data_meeting", "Meeting", 0],
    [XMLID.todo, "To-Do", 5],
  ];
  for (const [xmlid, name, delay] of activityTypes)
    store.setXmlid(xmlid, "mail.activity.type", store.create("mail.activity.type", { name, delay_count: delay }));
}
