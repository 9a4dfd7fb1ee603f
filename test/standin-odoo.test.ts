import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifySignature } from "../src/http/signature.js";
import {
  ADMIN_PASSWORD,
  ADMIN_UID,
  seedSampleFirm,
  signedAskCaller,
  startOdooStandin,
  OdooStore,
  type ClientMessageEvent,
  type OdooStandin,
  type SampleFirm,
} from "../src/standin/odoo/index.js";

interface RpcError {
  code: number;
  message: string;
  data: { name: string; message: string; debug: string; arguments: unknown[]; context: object };
}
interface RpcAnswer {
  jsonrpc: string;
  id: number;
  result?: unknown;
  error?: RpcError;
}

let standin: OdooStandin;
let firm: SampleFirm;
let botUid: number;
let nextId = 1;

async function rpc(service: string, method: string, args: unknown[]): Promise<RpcAnswer> {
  const res = await fetch(`${standin.url}/jsonrpc`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: { service, method, args }, id: nextId++ }),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as RpcAnswer;
}

/** execute_kw as the integration user (or admin); answers the result or throws the error envelope's data. */
async function kw<T = unknown>(model: string, method: string, args: unknown[], kwargs = {}, as: "bot" | "admin" = "bot"): Promise<T> {
  const [uid, password] = as === "bot" ? [botUid, standin.botPassword] : [ADMIN_UID, ADMIN_PASSWORD];
  const answer = await rpc("object", "execute_kw", [standin.db, uid, password, model, method, args, kwargs]);
  if (answer.error) throw Object.assign(new Error(answer.error.data.message), { odoo: answer.error });
  return answer.result as T;
}

async function rejects(p: Promise<unknown>, name: string): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    const odoo = (e as { odoo?: RpcError }).odoo;
    assert.ok(odoo, `expected an Odoo error, got ${String(e)}`);
    assert.equal(odoo.data.name, name, odoo.data.message);
    return odoo;
  }
  assert.fail(`expected ${name}`);
}

const lastCall = () => standin.calls[standin.calls.length - 1]!;

function rawMail(headers: Record<string, string>, body: string): string {
  const all = { "MIME-Version": "1.0", "Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "8bit", ...headers };
  return `${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n${body}\r\n`;
}

describe("Odoo stand-in", () => {
  beforeEach(async () => {
    let seeded: SampleFirm | undefined;
    standin = await startOdooStandin({ seed: (store) => void (seeded = seedSampleFirm(store)) });
    firm = seeded!;
    botUid = firm.users.bot;
  });
  afterEach(() => standin.close());

  describe("wire format", () => {
    it("answers common.version like Odoo 18 and echoes the request id", async () => {
      const answer = await rpc("common", "version", []);
      assert.equal(answer.jsonrpc, "2.0");
      assert.equal(answer.id, nextId - 1);
      assert.deepEqual(answer.result, {
        server_version: "18.0",
        server_version_info: [18, 0, 0, "final", 0, ""],
        server_serie: "18.0",
        protocol_version: 1,
      });
    });

    it("wraps errors in Odoo's envelope with HTTP 200", async () => {
      const answer = await rpc("object", "execute_kw", [standin.db, botUid, standin.botPassword, "legal.case", "read", [[firm.cases.family.id]], { fields: ["nope"] }]);
      assert.equal(answer.error?.code, 200);
      assert.equal(answer.error?.message, "Odoo Server Error");
      assert.equal(answer.error?.data.name, "builtins.ValueError");
      assert.match(answer.error!.data.message, /Invalid field 'nope'/);
      assert.match(answer.error!.data.debug, /^Traceback/);
      assert.deepEqual(answer.error?.data.arguments, [answer.error?.data.message]);
      assert.deepEqual(answer.error?.data.context, {});
    });

    it("names an unknown model and an unknown database the way Odoo does", async () => {
      await rejects(kw("no.such.model", "search", [[]]), "odoo.exceptions.UserError");
      const answer = await rpc("common", "authenticate", ["otherdb", "admin", "admin", {}]);
      assert.equal(answer.error?.data.name, "psycopg2.OperationalError");
    });

    it("answers 400 to a body that is not sent as JSON", async () => {
      const res = await fetch(`${standin.url}/jsonrpc`, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: {}, id: 1 }) });
      assert.equal(res.status, 400);
    });

    it("serves GET /web/health", async () => {
      const res = await fetch(`${standin.url}/web/health`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: "pass" });
    });
  });

  describe("authentication", () => {
    it("returns the uid for a good password and false for a bad one", async () => {
      assert.equal((await rpc("common", "authenticate", [standin.db, "lexreply-bot", standin.botPassword, {}])).result, botUid);
      assert.equal((await rpc("common", "authenticate", [standin.db, "lexreply-bot", "wrong", {}])).result, false);
      assert.equal((await rpc("common", "authenticate", [standin.db, "admin", "admin", {}])).result, ADMIN_UID);
      assert.equal(standin.calls[0]!.method, "authenticate");
      assert.equal(standin.calls[0]!.uid, botUid);
    });

    it("refuses execute_kw with a wrong password with AccessDenied", async () => {
      const answer = await rpc("object", "execute_kw", [standin.db, botUid, "rotated-key", "res.partner", "search", [[]], {}]);
      assert.equal(answer.error?.data.name, "odoo.exceptions.AccessDenied");
    });

    it("accepts a configured bot password", async () => {
      const other = await startOdooStandin({ botPassword: "k3y" });
      try {
        const res = await fetch(`${other.url}/jsonrpc`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: { service: "common", method: "login", args: ["lexreply", "lexreply-bot", "k3y"] }, id: 1 }),
        });
        assert.equal(((await res.json()) as RpcAnswer).result, other.store.userByLogin("lexreply-bot"));
      } finally {
        await other.close();
      }
    });
  });

  describe("domains", () => {
    const search = (model: string, domain: unknown[], kwargs = {}) => kw<number[]>(model, "search", [domain], kwargs);
    const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

    it("evaluates | and ! in prefix notation with implicit AND", async () => {
      const { meiling, emily, zhiming } = firm.clients;
      assert.deepEqual(
        sorted(await search("res.partner", ["|", ["email", "=", meiling.email], ["email", "=", emily.email]])),
        sorted([meiling.partnerId, emily.partnerId]),
      );
      const notChen = await search("res.partner", [["lang", "=", "zh_TW"], "!", ["name", "like", "陳"], ["email", "ilike", "EXAMPLE.TW"]]);
      assert.ok(notChen.includes(zhiming.partnerId));
      assert.ok(!notChen.includes(meiling.partnerId));
    });

    it("follows dotted paths and compares many2one by id or by name", async () => {
      const civil = firm.cases.civil;
      const byEmail = await search("legal.case", [["partner_id.email", "=ilike", "ZHIMING.LIN@example.tw"], ["state", "!=", "closed"]]);
      assert.deepEqual(byEmail, [civil.id]);
      assert.deepEqual(await search("legal.case", [["partner_id", "=", firm.clients.zhiming.partnerId], ["state", "=", "waiting_court"]]), [civil.id]);
      assert.deepEqual(await search("legal.case", [["partner_id", "ilike", "林志明"], ["state", "in", ["waiting_court"]]]), [civil.id]);
      const withVisibleUpdates = await search("legal.case", [["update_ids.summary", "like", "答辯狀"]]);
      assert.deepEqual(withVisibleUpdates, [civil.id]);
    });

    it("walks the partner hierarchy with child_of and parent_of", async () => {
      const { company, datong } = firm.clients;
      assert.deepEqual(sorted(await search("res.partner", [["id", "child_of", company.partnerId]])), sorted([company.partnerId, datong.partnerId]));
      assert.deepEqual(sorted(await search("res.partner", [["id", "parent_of", datong.partnerId]])), sorted([company.partnerId, datong.partnerId]));
      assert.deepEqual(
        sorted(await search("legal.case", [["partner_id", "child_of", company.partnerId]])),
        sorted([firm.cases.labor.id, firm.cases.commercialSettled.id]),
      );
    });

    it("hides archived records unless the domain names active or active_test is off", async () => {
      const archived = firm.cases.familyArchived.id;
      assert.ok(!(await search("legal.case", [["partner_id", "=", firm.clients.meiling.partnerId]])).includes(archived));
      assert.ok((await search("legal.case", [["active", "=", false]])).includes(archived));
      assert.ok((await search("legal.case", [], { context: { active_test: false } })).includes(archived));
    });

    it("compares dates, honours order, offset and limit, and counts", async () => {
      const soon = await search("legal.case", [["next_event_date", ">=", firm.today]]);
      assert.deepEqual(soon, [firm.cases.family.id]);
      const byNumber = await kw<number[]>("legal.case", "search", [[["state", "=", "closed"]]], { order: "number asc" });
      assert.deepEqual(byNumber, [firm.cases.civilClosedLongAgo.id, firm.cases.civilClosedRecently.id]);
      assert.deepEqual(await kw("legal.case", "search", [[["state", "=", "closed"]]], { order: "number asc", offset: 1, limit: 1 }), [firm.cases.civilClosedRecently.id]);
      assert.equal(await kw("res.partner", "search_count", [[["email", "=", firm.sharedEmail]]]), 2);
    });
  });

  describe("reads", () => {
    it("web_read follows a nested specification from the ticket to the client-visible updates of the company's matters", async () => {
      const ticket = await standin.store.create("helpdesk.ticket", { name: "勞資調解進度", partner_id: firm.clients.datong.partnerId, team_id: firm.teams.reviewDesk });
      const [row] = await kw<Record<string, any>[]>("helpdesk.ticket", "web_read", [[ticket]], {
        specification: {
          lexreply_policy: {},
          team_id: {},
          user_id: { fields: { display_name: {} } },
          partner_id: {
            fields: {
              email: {},
              commercial_partner_id: {
                fields: {
                  display_name: {},
                  lexreply_case_ids: { fields: { number: {}, state: {}, paralegal_id: {}, update_ids: { fields: { summary: {}, client_visible: {} } } } },
                },
              },
            },
          },
        },
      });
      assert.equal(row!.lexreply_policy, "review");
      assert.equal(row!.team_id, firm.teams.reviewDesk);
      assert.equal(row!.user_id, false);
      const commercial = row!.partner_id.commercial_partner_id;
      assert.equal(row!.partner_id.email, firm.clients.datong.email);
      assert.deepEqual(Object.keys(commercial).sort(), ["display_name", "id", "lexreply_case_ids"]);
      assert.equal(commercial.id, firm.clients.company.partnerId);
      const labor = commercial.lexreply_case_ids.find((c: { id: number }) => c.id === firm.cases.labor.id);
      assert.equal(labor.number, "2026-LAB-0002");
      assert.equal(labor.paralegal_id, firm.users.paralegal2);
      assert.deepEqual(labor.update_ids.map((u: { id: number }) => u.id), firm.cases.labor.visibleUpdateIds);
      assert.equal(standin.calls.length, 1);
      assert.equal(lastCall().readInternalNote, false);
    });

    it("web_read honours limit and order in a sub-specification and returns {id, display_name} for a many2one", async () => {
      const family = firm.cases.family;
      const [row] = await kw<Record<string, any>[]>("legal.case", "web_read", [[family.id]], {
        specification: { partner_id: { fields: { display_name: {} } }, update_ids: { fields: { summary: {} }, order: "date asc", limit: 1 } },
      });
      assert.deepEqual(row!.partner_id, { id: firm.clients.meiling.partnerId, display_name: "陳美玲" });
      const visibleOldestFirst = [...family.visibleUpdateIds].reverse();
      assert.deepEqual(row!.update_ids.map((u: { id: number }) => u.id), visibleOldestFirst);
      assert.ok(row!.update_ids[0].summary);
      assert.deepEqual(row!.update_ids[1], { id: visibleOldestFirst[1] });
    });

    it("read and search_read give many2one as [id, name] and x2many as ids", async () => {
      const [c] = await kw<Record<string, unknown>[]>("legal.case", "search_read", [[["number", "=", "2026-FAM-0012"]]], { fields: ["partner_id", "update_ids", "user_id"] });
      assert.deepEqual(c!.partner_id, [firm.clients.meiling.partnerId, "陳美玲"]);
      assert.deepEqual(c!.user_id, [firm.users.lawyer, "林建宏 律師"]);
      assert.deepEqual(c!.update_ids, firm.cases.family.visibleUpdateIds);
    });

    it("web_search_read answers length and records", async () => {
      const page = await kw<{ length: number; records: { id: number }[] }>("legal.case", "web_search_read", [], {
        domain: [["partner_id", "=", firm.clients.zhiming.partnerId]],
        specification: { number: {} },
        limit: 2,
        order: "number desc",
      });
      assert.equal(page.length, 3);
      assert.deepEqual(page.records.map((r) => r.id), [firm.cases.civil.id, firm.cases.civilClosedRecently.id]);
    });
  });

  describe("what the integration user may see", () => {
    it("refuses internal_note named in a read, as Odoo 18 does, and logs that it was asked for", async () => {
      await rejects(kw("legal.case", "read", [[firm.cases.family.id], ["number", "internal_note"]]), "odoo.exceptions.AccessError");
      assert.equal(lastCall().readInternalNote, true);
      await kw("legal.case", "web_read", [[firm.cases.family.id]], { specification: { number: {} } });
      assert.equal(lastCall().readInternalNote, false);
    });

    it("flags a read with no field list, which reads every field", async () => {
      const [all] = await kw<Record<string, unknown>[]>("legal.case", "search_read", [[["id", "=", firm.cases.family.id]]]);
      assert.ok(!("internal_note" in all!));
      assert.equal(all!.number, "2026-FAM-0012");
      assert.equal(lastCall().readInternalNote, true);
      assert.equal(lastCall().model, "legal.case");
      assert.equal(lastCall().ormMethod, "search_read");
    });

    it("flags internal_note named deep inside a web_read specification", async () => {
      await rejects(
        kw("res.partner", "web_read", [[firm.clients.meiling.partnerId]], { specification: { lexreply_case_ids: { fields: { internal_note: {} } } } }),
        "odoo.exceptions.AccessError",
      );
      assert.equal(lastCall().readInternalNote, true);
    });

    it("lets the administrator read internal_note", async () => {
      const [row] = await kw<Record<string, string>[]>("legal.case", "read", [[firm.cases.family.id], ["internal_note"]], {}, "admin");
      assert.match(row!.internal_note!, /律師費/);
    });

    it("never sees updates that are not client-visible", async () => {
      const hidden = firm.cases.family.internalUpdateIds[0]!;
      assert.deepEqual(await kw("legal.case.update", "search", [[["case_id", "=", firm.cases.family.id]]]), firm.cases.family.visibleUpdateIds);
      await rejects(kw("legal.case.update", "read", [[hidden], ["summary"]]), "odoo.exceptions.AccessError");
      assert.equal(await kw("legal.case.update", "search_count", [[["client_visible", "=", false]]]), 0);
      assert.ok((await kw<number[]>("legal.case.update", "search", [[["client_visible", "=", false]]], {}, "admin")).includes(hidden));
    });

    it("may not read system parameters, create partners or write other ticket fields", async () => {
      await rejects(kw("ir.config_parameter", "search_read", [[]], { fields: ["key", "value"] }), "odoo.exceptions.AccessError");
      await rejects(kw("res.partner", "create", [{ name: "新客戶" }]), "odoo.exceptions.AccessError");
      const ticket = firm.tickets.zhimingEmail.id;
      await rejects(kw("helpdesk.ticket", "write", [[ticket], { name: "x" }]), "odoo.exceptions.AccessError");
      assert.equal(await kw("helpdesk.ticket", "write", [[ticket], { lexreply_state: "answering" }]), true);
      assert.equal(standin.store.row("helpdesk.ticket", ticket)!.lexreply_state, "answering");
    });

    it("puts a new LINE ticket in the LINE team and refuses dates not in Odoo's format", async () => {
      const id = await kw<number>("helpdesk.ticket", "create", [{ name: "LINE 詢問", description: "<p>進度？</p>", lexreply_channel: "line", partner_id: firm.clients.meiling.partnerId }]);
      assert.equal(standin.store.row("helpdesk.ticket", id)!.team_id, firm.teams.clientService);
      assert.match(standin.store.row("helpdesk.ticket", id)!.number as string, /^HT\d{5}$/);
      await rejects(kw("helpdesk.ticket", "write", [[id], { lexreply_asked_at: "2026-11-28T10:00:00Z" }], {}, "admin"), "builtins.ValueError");
      await rejects(kw("helpdesk.ticket", "write", [[id], { lexreply_draft: "x" }]), "odoo.exceptions.AccessError");
    });

    it("rolls back a failed call as a whole", async () => {
      const before = standin.store.rows("legal.case.update").length;
      await rejects(
        kw("legal.case", "create", [{ name: "x", number: "2026-FAM-0012", partner_id: firm.clients.xiaohua.partnerId, update_ids: [[0, 0, { summary: "s" }]] }], {}, "admin"),
        "odoo.exceptions.ValidationError",
      );
      assert.equal(standin.store.rows("legal.case.update").length, before);
    });
  });

  describe("chatter", () => {
    it("message_post answers the recordset's text and escapes a plain body", async () => {
      const ticket = firm.tickets.zhimingEmail.id;
      await rejects(kw("helpdesk.ticket", "message_post", [[ticket]], { body: "x", message_type: "comment", subtype_xmlid: "mail.mt_comment" }), "odoo.exceptions.AccessError");
      const result = await kw<string>("helpdesk.ticket", "message_post", [[ticket]], { body: "案件 <進度>", message_type: "comment", subtype_xmlid: "mail.mt_comment", unknown_key: 1 }, "admin");
      const match = /^mail\.message\((\d+),\)$/.exec(result);
      assert.ok(match, result);
      const msg = standin.store.row("mail.message", Number(match[1]))!;
      assert.equal(msg.body, "<p>案件 &lt;進度&gt;</p>");
      assert.equal(msg.author_id, standin.store.row("res.users", ADMIN_UID)!.partner_id);
      assert.equal(msg.subtype_id, standin.store.ref("mail.mt_comment"));
    });

    it("activity_schedule without user_id gives the activity to the caller", async () => {
      const ticket = firm.tickets.zhimingEmail.id;
      const mine = await kw<string>("helpdesk.ticket", "activity_schedule", [[ticket], "mail.mail_activity_data_todo"], { summary: "請回覆客戶" });
      const theirs = await kw<string>("helpdesk.ticket", "activity_schedule", [[ticket], "mail.mail_activity_data_todo"], { summary: "請回覆客戶", user_id: firm.users.paralegal, date_deadline: "2026-12-31" });
      const id = (text: string) => Number(/^mail\.activity\((\d+),\)$/.exec(text)![1]);
      assert.equal(standin.store.row("mail.activity", id(mine))!.user_id, botUid);
      assert.equal(standin.store.row("mail.activity", id(theirs))!.user_id, firm.users.paralegal);
      assert.equal(standin.store.row("mail.activity", id(theirs))!.date_deadline, "2026-12-31");
      await rejects(kw("helpdesk.ticket", "activity_schedule", [[ticket], "mail.no_such_type"]), "builtins.ValueError");
    });

    it("queues Odoo's email for a comment: to the client, or to partner_email on a ticket without partner; never for a note", async () => {
      const outgoing = () => standin.store.searchRead("mail.mail", [], ["recipient_ids", "email_to", "references", "mail_message_id", "auto_submitted", "body_html"]);
      const ticket = firm.tickets.zhimingEmail;
      await kw("helpdesk.ticket", "message_post", [[ticket.id]], { body: "備註", message_type: "comment", subtype_xmlid: "mail.mt_note" });
      assert.equal(outgoing().length, 0);
      await kw("helpdesk.ticket", "message_post", [[ticket.id]], { body: "您好", message_type: "comment", subtype_xmlid: "mail.mt_comment" }, "admin");
      const [toClient] = outgoing();
      assert.deepEqual(toClient!.recipient_ids, [firm.clients.zhiming.partnerId]);
      const first = standin.store.row("mail.message", ticket.messageId)!.message_id as string;
      const reply = standin.store.row("mail.message", toClient!.mail_message_id as number)!.message_id as string;
      assert.equal(toClient!.references, `${first} ${reply}`);

      const anonymous = await kw<number>("mail.thread", "message_process", ["helpdesk.ticket", rawMail({ From: "Stranger <stranger@example.net>", Subject: "hi", "Message-ID": "<a1@example.net>" }, "hi")]);
      await kw("helpdesk.ticket", "message_post", [[anonymous]], { body: "我們已收到", message_type: "comment", subtype_xmlid: "mail.mt_comment" }, "admin");
      assert.equal(outgoing()[0]!.email_to, false, "a plain comment is not relayed to partner_email");
      const [stranger] = standin.store.search("mail.message", [["model", "=", "helpdesk.ticket"], ["res_id", "=", anonymous]], { order: "id asc", limit: 1 });
      const outcome = (kind: "answer" | "holding") => ({
        message_id: stranger, state: kind === "answer" ? "sent" : "escalated", client_text: kind === "answer" ? "您的案件 2026-FAM-0012 已排定開庭" : "我們已收到您的來信",
        client_text_kind: kind, note: "audit", draft: false, case_id: false, matter_ids: [], activity: false, delivered: "email", execution: { kind: "answer" },
      });
      await rejects(kw("helpdesk.ticket", "lexreply_apply", [[anonymous], outcome("answer")]), "odoo.exceptions.AccessError");
      await kw("helpdesk.ticket", "lexreply_apply", [[anonymous], outcome("holding")]);
      assert.equal(outgoing()[0]!.email_to, "Stranger <stranger@example.net>", "only the holding reply is relayed");
      assert.equal(outgoing()[0]!.auto_submitted, "auto-replied");
      assert.doesNotMatch(String(outgoing()[0]!.body_html), /2026-FAM-0012/);
    });

    it("fires onClientMessage for a client's message and not for a note or the bot's comment", async () => {
      const fired: ClientMessageEvent[] = [];
      standin.onClientMessage((e) => void fired.push(e));
      const ticket = firm.tickets.zhimingEmail.id;
      const client = firm.clients.zhiming.partnerId;
      await kw("helpdesk.ticket", "message_post", [[ticket]], { body: "請問進度？", message_type: "comment", subtype_xmlid: "mail.mt_comment", author_id: client }, "admin");
      await kw("helpdesk.ticket", "message_post", [[ticket]], { body: "內部備註", message_type: "comment", subtype_xmlid: "mail.mt_note", author_id: client });
      await kw("helpdesk.ticket", "message_post", [[ticket]], { body: "回覆", message_type: "comment", subtype_xmlid: "mail.mt_comment" }, "admin");
      assert.equal(fired.length, 1);
      assert.equal(fired[0]!.ticketId, ticket);
      assert.equal(standin.store.row("mail.message", fired[0]!.messageId)!.author_id, client);
    });
  });

  describe("mail gateway", () => {
    const process = (raw: string) => kw<number | false | null>("mail.thread", "message_process", ["helpdesk.ticket", raw]);

    it("creates a ticket, de-duplicates by Message-ID and threads a reply by References", async () => {
      const fired: number[] = [];
      standin.onClientMessage((e) => void fired.push(e.ticketId));
      const first = rawMail(
        { From: '"Emily Carter" <emily.carter@example.com>', To: "help@mingli-law.example.tw", Subject: "Contract status", "Message-ID": "<m1@example.com>", "Authentication-Results": "mx.example.tw; dkim=pass; spf=pass; dmarc=pass" },
        "Hello,\nwhere are we with the agreement?",
      );
      const ticketId = await process(first);
      assert.equal(typeof ticketId, "number");
      const ticket = standin.store.row("helpdesk.ticket", ticketId as number)!;
      assert.match(String(ticket.number), /^HT\d{5}$/);
      assert.equal(ticket.name, "Contract status");
      assert.equal(ticket.partner_email, '"Emily Carter" <emily.carter@example.com>');
      assert.equal(ticket.partner_id, firm.clients.emily.partnerId);
      assert.equal(ticket.lexreply_channel, "email");
      assert.equal(ticket.lexreply_sender_auth, "pass");
      assert.equal(await process(first), false);

      const reply = rawMail({ From: "emily.carter@example.com", Subject: "Re: Contract status", "Message-ID": "<m2@example.com>", References: "<m1@example.com>" }, "Any news?");
      assert.equal(await process(reply), ticketId);
      const messages = standin.store.search("mail.message", [["model", "=", "helpdesk.ticket"], ["res_id", "=", ticketId]]);
      assert.equal(messages.length, 2);
      assert.deepEqual(fired, [ticketId, ticketId]);
    });

    it("leaves the partner empty for an address several partners share, and for an unknown one", async () => {
      const shared = await process(rawMail({ From: firm.sharedEmail, Subject: "進度", "Message-ID": "<s1@example.tw>" }, "請問"));
      assert.equal(standin.store.row("helpdesk.ticket", shared as number)!.partner_id, false);
      const unknown = await process(rawMail({ From: "stranger@example.net", Subject: "hi", "Message-ID": "<u1@example.net>" }, "hi"));
      assert.equal(standin.store.row("helpdesk.ticket", unknown as number)!.partner_id, false);
    });

    it("files an auto-reply without firing the automation", async () => {
      const fired: number[] = [];
      standin.onClientMessage((e) => void fired.push(e.ticketId));
      const id = await process(rawMail({ From: firm.clients.meiling.email as string, Subject: "不在辦公室", "Message-ID": "<oof@example.tw>", "Auto-Submitted": "auto-replied" }, "我目前不在辦公室。"));
      assert.equal(typeof id, "number");
      assert.deepEqual(fired, []);
    });

    it("routes a bounce nowhere and answers false, as message_route does", async () => {
      const before = standin.store.rows("helpdesk.ticket").length;
      const report = rawMail(
        { From: "Mail Delivery System <MAILER-DAEMON@mx.example.net>", Subject: "Undelivered Mail", "Message-ID": "<b1@mx.example.net>", "Content-Type": 'multipart/report; report-type=delivery-status; boundary="b"' },
        "--b\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n--b--",
      );
      assert.equal(await process(report), false);
      assert.equal(standin.store.rows("helpdesk.ticket").length, before);
    });

    it("can be made to refuse a message or drop it as a loop", async () => {
      standin.setGatewayFilter((m) => (m.subject === "loop" ? "loop" : { refuse: "No possible route found" }));
      assert.equal(await process(rawMail({ From: "a@example.net", Subject: "loop", "Message-ID": "<l1@x>" }, "x")), null);
      const err = await rejects(process(rawMail({ From: "a@example.net", Subject: "x", "Message-ID": "<r1@x>" }, "x")), "builtins.ValueError");
      assert.match(err.data.message, /No possible route/);
    });
  });

  describe("failure injection", () => {
    it("refuses connections while down and serves again afterwards", async () => {
      standin.setDown(true);
      await assert.rejects(fetch(`${standin.url}/web/health`), (e: Error & { cause?: { code?: string } }) => e.cause?.code === "ECONNREFUSED");
      standin.setDown(false);
      assert.equal((await fetch(`${standin.url}/web/health`)).status, 200);
    });

    it("adds latency to every request", async () => {
      standin.setLatency(120);
      const t0 = Date.now();
      await rpc("common", "version", []);
      assert.ok(Date.now() - t0 >= 110);
    });
  });

  describe("signedAskCaller", () => {
    let sidecar: Server;
    let received: { body: string; signature: string | undefined }[];
    beforeEach(async () => {
      received = [];
      sidecar = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          received.push({ body: Buffer.concat(chunks).toString(), signature: req.headers["x-lexreply-signature"] as string | undefined });
          res.writeHead(202).end('{"job":"1"}');
        });
      });
      await new Promise<void>((r) => sidecar.listen(0, "127.0.0.1", r));
    });
    afterEach(() => new Promise<void>((r) => sidecar.close(() => r())));

    it("marks the ticket pending and posts a signed /ask before the RPC answers", async () => {
      const { port } = sidecar.address() as AddressInfo;
      standin.onClientMessage(signedAskCaller(`http://127.0.0.1:${port}`, "s3cret"));
      const ticket = firm.tickets.zhimingEmail.id;
      const posted = await kw<string>("helpdesk.ticket", "message_post", [[ticket]], { body: "還有問題", message_type: "comment", subtype_xmlid: "mail.mt_comment", author_id: firm.clients.zhiming.partnerId }, "admin");
      const messageId = Number(/\((\d+),\)/.exec(posted)![1]);
      assert.equal(received.length, 1);
      assert.deepEqual(JSON.parse(received[0]!.body), { ticket_id: ticket, message_id: messageId, db: "lexreply" });
      assert.deepEqual(verifySignature("s3cret", received[0]!.signature, Buffer.from(received[0]!.body)), { ok: true });
      const row = standin.store.row("helpdesk.ticket", ticket)!;
      assert.equal(row.lexreply_state, "pending");
      assert.equal(row.lexreply_last_message_id, messageId);
    });
  });

  describe("store", () => {
    it("works without a server, for tests that need no RPC", () => {
      const store = new OdooStore();
      const sample = seedSampleFirm(store, { today: new Date("2026-03-01T00:00:00Z") });
      assert.equal(sample.today, "2026-03-01");
      assert.equal(store.row("legal.case", sample.cases.family.id)!.next_event_date, "2026-03-13");
      const states = new Set(store.searchRead("legal.case", [], ["state"]).map((c) => c.state));
      for (const s of ["intake", "in_progress", "waiting_court", "hearing_scheduled", "settled", "closed"]) assert.ok(states.has(s), s);
      assert.equal(store.read("res.partner", [sample.clients.datong.partnerId], ["commercial_partner_id"])[0]!.commercial_partner_id, sample.clients.company.partnerId);
    });
  });
});
