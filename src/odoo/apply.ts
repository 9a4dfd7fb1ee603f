import { z } from "zod";
import type { OdooClient } from "./client.js";

export type TicketState = "pending" | "answering" | "draft" | "sent" | "escalated" | "failed";
export type FinalState = Exclude<TicketState, "pending" | "answering">;
export type Delivered = "email" | "reply" | "push";

/** The `lexreply.execution` record the addon writes with the outcome (README, "Contract notes"). */
export interface ExecutionLog {
  kind: "answer";
  channel: "email" | "line";
  outcome: FinalState;
  why: string;
  model: string | false;
  model_latency_ms: number | false;
  tokens_in: number;
  tokens_cached: number;
  tokens_out: number;
  check_verdict: "passed" | "failed" | "not_checked";
  check_failures: string | false;
}

/** Everything one answer changes in Odoo, written by `helpdesk.ticket.lexreply_apply` in one transaction. */
export interface ApplyOutcome {
  message_id: number;
  state: FinalState;
  /** What the client receives: mailed by Odoo on an e-mail ticket, already delivered on LINE. */
  client_text: string | false;
  /** `answer` carries case data; `holding` never does. */
  client_text_kind: "answer" | "holding" | false;
  /** Internal note: the audit line, why it was held, who was in the audience. */
  note: string;
  /** Only what the client would read — never the audit line. */
  draft: string | false;
  case_id: number | false;
  matter_ids: number[];
  activity: { summary: string; note: string } | false;
  delivered: Delivered | false;
  execution: ExecutionLog;
}

const applyResultSchema = z.object({ applied: z.boolean(), state: z.string().or(z.literal(false)), execution_id: z.number().or(z.literal(false)) });
export type ApplyResult = z.output<typeof applyResultSchema>;

/** The second and last round trip of an answer; a repeat for the same message changes nothing. */
export async function applyOutcome(odoo: OdooClient, ticketId: number, outcome: ApplyOutcome): Promise<ApplyResult> {
  return applyResultSchema.parse(await odoo.executeKw("helpdesk.ticket", "lexreply_apply", [[ticketId], outcome]));
}
