import type { Logger } from "../logger.js";
import { counter } from "../metrics.js";
import { OdooError } from "../odoo/errors.js";
import type { OdooClient } from "../odoo/client.js";
import { HttpError } from "../http/body.js";
import type { Templates } from "../templates/renderer.js";
import { noticeKey, type NotifyBody } from "./body.js";
import { applyNotice, readApproved, readMatter, readUpdate, type ApplyResult, type Client, type Matter, type NoticeRecord } from "./odoo-notices.js";
import { renderReminder, renderUpdate } from "./render.js";

/** Sends one text to one LINE user by push; the same `seed` is never delivered twice. */
export type NoticePush = (lineUserId: string, text: string, seed: string) => Promise<unknown>;

export interface NoticeDeps {
  odoo: OdooClient;
  templates: Templates;
  /** The Odoo database served: part of every LINE retry key, so a restored database never shares one. */
  db: string;
  /** Absent when the LINE channel is off: linked clients are then told by e-mail. */
  push?: NoticePush;
  log: Logger;
}

export interface NoticeOutcome {
  key: string;
  state: string;
  delivered: "push" | "email" | false;
  duplicate: boolean;
}

/** Matters in these states get no reminder (the addon's cron skips them too). */
const ENDED_STATES = new Set(["settled", "closed"]);

type Decision = Pick<NoticeRecord, "state" | "delivered" | "note">;

const notices = () => counter("lexreply_notices_total", "Notices and reminders to clients, by kind and how they went (push, email, draft, skipped)", ["kind", "delivery"]);

/**
 * Case-update notices and hearing reminders: read the facts, render the firm's template (no model),
 * decide by the notice policy, push on LINE first when sending there, then record it all in Odoo with
 * one call. The same key at once is one piece of work.
 */
export class Notices {
  private readonly inFlight = new Map<string, Promise<NoticeOutcome[]>>();

  constructor(private readonly deps: NoticeDeps) {}

  handle(body: NotifyBody): Promise<NoticeOutcome[]> {
    const lock = body.kind === "approved" ? `approved:${body.case_id}` : noticeKey(body);
    let work = this.inFlight.get(lock);
    if (!work) {
      work = this.run(body).finally(() => this.inFlight.delete(lock));
      this.inFlight.set(lock, work);
    }
    return work;
  }

  private async run(body: NotifyBody): Promise<NoticeOutcome[]> {
    if (body.kind === "approved") return this.approved(body.case_id);
    const { odoo, templates } = this.deps;
    const key = noticeKey(body);
    if (body.kind === "update") {
      const update = await readUpdate(odoo, body.update_id);
      if (!update) throw new HttpError(404, `update ${body.update_id} does not exist or is not visible to the client`);
      const matter = update.case_id;
      const decision = this.decide(matter);
      const { text } = renderUpdate(templates, update, Boolean(this.lineOf(matter.partner_id)));
      return [await this.tell(matter, { kind: "update", update_id: update.id, event_date: false, client_text: text, key, ...decision })];
    }
    const matter = await readMatter(odoo, body.case_id);
    if (!matter) throw new HttpError(404, `matter ${body.case_id} does not exist or is archived`);
    if (ENDED_STATES.has(matter.state)) throw new HttpError(409, `matter ${matter.number} is ${matter.state}: no reminder`);
    if (matter.next_event_date !== body.event_date)
      throw new HttpError(409, `matter ${matter.number}'s next event is now ${matter.next_event_date || "unset"}, not ${body.event_date}`);
    const decision = this.decide(matter);
    const { text } = renderReminder(templates, matter, body.event_date, Boolean(this.lineOf(matter.partner_id)));
    return [await this.tell(matter, { kind: "reminder", update_id: false, event_date: body.event_date, client_text: text, key, ...decision })];
  }

  /** Whom and how: nothing for a client who said stop; a draft under `review`; else LINE when linked, else e-mail. */
  private decide(matter: Matter): Decision {
    const client = matter.partner_id;
    if (!client.lexreply_notify) return { state: "skipped", delivered: false, note: "Not sent: the client turned notices off." };
    const policy = matter.lexreply_notice_policy || "review";
    const line = this.lineOf(client);
    if (policy === "review") return { state: "draft", delivered: false, note: `Held for approval (notice policy: review); it will go out by ${line ? "LINE" : "e-mail"}.` };
    if (line) return { state: "sent", delivered: "push", note: "Sent on LINE by push." };
    if (client.email) return { state: "sent", delivered: "email", note: "Sent by e-mail." };
    return { state: "draft", delivered: false, note: "Held: the client has neither a linked LINE account nor an e-mail address." };
  }

  private lineOf(client: Client): string | false {
    return this.deps.push ? client.lexreply_line_user_id : false;
  }

  /** Pushes first (retry key from db + notice key), then records; an e-mail the addon refuses becomes a draft with the reason. */
  private async tell(matter: Matter, record: NoticeRecord): Promise<NoticeOutcome> {
    const { odoo, log } = this.deps;
    if (record.delivered === "push") {
      try {
        await this.deps.push!(matter.partner_id.lexreply_line_user_id as string, record.client_text, `notice:${this.deps.db}:${record.key}`);
      } catch (err) {
        // Nothing is recorded, so the addon's cron asks again; the retry key keeps LINE from delivering twice.
        throw new HttpError(502, `LINE did not take the push of ${record.key}: ${(err as Error).message}`);
      }
    }
    let result: ApplyResult;
    try {
      result = await applyNotice(odoo, matter.id, record);
    } catch (err) {
      if (!(err instanceof OdooError) || record.delivered !== "email") throw err;
      log.warn({ key: record.key, err }, "notice e-mail refused by Odoo; held as a draft");
      record = { ...record, state: "draft", delivered: false, note: `Held for a person: Odoo refused the e-mail (${err.message}).` };
      result = await applyNotice(odoo, matter.id, record);
    }
    if (!result.duplicate) notices().inc({ kind: record.kind, delivery: record.delivered || record.state });
    log.info({ key: record.key, caseId: matter.id, state: result.state, delivered: record.delivered, duplicate: result.duplicate }, "notice recorded");
    return { key: record.key, state: result.state, delivered: result.duplicate ? false : record.delivered, duplicate: result.duplicate };
  }

  /** A paralegal approved notices of a LINE-linked client: push each and record it sent; if LINE is no longer possible, back to a draft. */
  private async approved(caseId: number): Promise<NoticeOutcome[]> {
    const approved = await readApproved(this.deps.odoo, caseId);
    if (approved.length === 0) throw new HttpError(409, `matter ${caseId} has no approved notice waiting for LINE`);
    const outcomes: NoticeOutcome[] = [];
    for (const notice of approved) {
      const matter = notice.case_id;
      const client = matter.partner_id;
      const base = { kind: notice.kind, update_id: false as const, event_date: false as const, client_text: notice.client_text || "", key: notice.key };
      const decision: Decision =
        client.lexreply_notify && this.lineOf(client)
          ? { state: "sent", delivered: "push", note: "Approved notice sent on LINE by push." }
          : { state: "draft", delivered: false, note: "Not sent: since the approval the client unlinked LINE or turned notices off (or LINE is off here). Approve again to send by e-mail." };
      outcomes.push(await this.tell(matter, { ...base, ...decision }));
    }
    return outcomes;
  }
}
