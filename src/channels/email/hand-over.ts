import { OdooError, OdooLoginError, OdooUnavailableError } from "../../odoo/errors.js";
import type { OdooClient } from "../../odoo/client.js";

/** Odoo's gateway for one raw message: `mail.thread.message_process(model, message)`. */
export type MessageProcess = (raw: string) => Promise<unknown>;

/**
 * What became of one message handed to Odoo, in the terms of DESIGN "IMAP mailbox":
 * - `accepted`: an id, `false` (a Message-ID Odoo already has) or `null` (its loop detection dropped it): flag `\Seen`;
 * - `later`: Odoo could not be reached, or cannot take any mail until an operator fixes something
 *   (the integration user's login or rights), or answered something we cannot read: leave unseen, try at the next scan;
 * - `refused`: Odoo raised on this message: move it to the error folder with the reason.
 */
export type HandOver = { kind: "accepted"; ticketId: number | false | null } | { kind: "later"; reason: string } | { kind: "refused"; reason: string };

// Raised for every message alike while the integration user lacks a right: moving them all to the
// error folder would only make someone move them back once the rights are fixed.
const CONFIGURATION_ERRORS = new Set(["odoo.exceptions.AccessError", "odoo.exceptions.AccessDenied"]);

/**
 * The ticket model's gateway over `execute_kw`; Odoo encodes a `str` message to UTF-8 bytes and parses
 * those. Odoo applies `custom_values` (e.g. the team) only when the mail starts a new ticket, not to a reply.
 */
export function odooMessageProcess(odoo: Pick<OdooClient, "executeKw">, customValues: Record<string, unknown> = {}): MessageProcess {
  return (raw) => odoo.executeKw("mail.thread", "message_process", ["helpdesk.ticket", raw], { custom_values: customValues });
}

export async function handOver(messageProcess: MessageProcess, raw: string): Promise<HandOver> {
  let result: unknown;
  try {
    result = await messageProcess(raw);
  } catch (err) {
    if (err instanceof OdooError && CONFIGURATION_ERRORS.has(err.odooName)) {
      return { kind: "later", reason: `the integration user may not do this (fix its rights in Odoo): ${err.message}` };
    }
    if (err instanceof OdooError) return { kind: "refused", reason: err.message };
    // Unreachable, a timeout, a refused login (fixed by an operator, not by moving the mail): all retried later.
    const known = err instanceof OdooUnavailableError || err instanceof OdooLoginError;
    const reason = known ? err.message : `unexpected error: ${String((err as Error)?.message ?? err)}`;
    return { kind: "later", reason };
  }
  if (result === false || result === null || (typeof result === "number" && Number.isInteger(result))) return { kind: "accepted", ticketId: result };
  // Flagging on an answer we do not understand could lose the message; leaving it unseen cannot.
  return { kind: "later", reason: `Odoo answered message_process with ${JSON.stringify(result)?.slice(0, 80)}, not an id, false or null` };
}
