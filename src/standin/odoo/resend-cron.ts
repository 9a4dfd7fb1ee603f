import { ADMIN_UID, XMLID } from "./base-data.js";
import { plaintextToHtml } from "./html.js";
import { TICKET_MODEL } from "./models.js";
import { odooNow, type OdooStore, type Row } from "./store.js";

const asDate = (v: unknown) => (typeof v === "string" ? Date.parse(`${v.replace(" ", "T")}Z`) : 0);

/** Tickets whose answer has been waiting longer than `staleMs` (the addon: LLM_TIMEOUT_MS plus a margin). */
export function resendDue(store: OdooStore, staleMs: number, now = Date.now()): Row[] {
  return store
    .rows(TICKET_MODEL)
    .filter((t) => ["pending", "answering"].includes(String(t.lexreply_state)) && !t.lexreply_taken_over && t.lexreply_last_message_id)
    .filter((t) => now - asDate(t.lexreply_asked_at) >= staleMs);
}

/** After the last attempt a person takes over: a note, an activity for the team leader (else the admin), state escalated. */
export function escalateUnanswered(store: OdooStore, ticketId: number, attempts: number): void {
  const ticket = store.row(TICKET_MODEL, ticketId)!;
  const bot = store.ref(XMLID.bot);
  const why = `LexReply did not answer after ${attempts} attempts; please reply to the client.`;
  store.create(
    "mail.message",
    {
      model: TICKET_MODEL,
      res_id: ticketId,
      body: plaintextToHtml(why),
      message_type: "comment",
      subtype_id: store.ref(XMLID.note),
      author_id: store.row("res.users", bot)!.partner_id,
      date: odooNow(),
    },
    bot,
  );
  const leader = store.value(TICKET_MODEL, ticket, "lexreply_team_leader_id");
  store.create("mail.activity", {
    res_model: TICKET_MODEL,
    res_id: ticketId,
    activity_type_id: store.ref(XMLID.todo),
    summary: "LexReply: reply to the client",
    note: plaintextToHtml(why),
    user_id: typeof leader === "number" ? leader : ticket.user_id || ADMIN_UID,
    date_deadline: odooNow().slice(0, 10),
  });
  store.write(TICKET_MODEL, [ticketId], { lexreply_state: "escalated" });
}
