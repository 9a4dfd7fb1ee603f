import { SIGNATURE_HEADER, signBody } from "../../http/signature.js";
import type { ClientMessageEvent } from "./index.js";
import { TICKET_MODEL } from "./models.js";
import { odooNow } from "./store.js";

/** How long the addon's post-commit hook waits for the sidecar (DESIGN.md: keep it ≤ 2 s). */
const ASK_TIMEOUT_MS = 2000;

/**
 * The addon's `_lexreply_on_message_received` + post-commit `/ask`: skip tickets a person took over
 * or whose team has LexReply off, mark the ticket `pending` with the message, then POST the signed
 * payload. Errors are swallowed like the addon does (its cron re-sends what stays pending).
 */
export function signedAskCaller(sidecarUrl: string, secret: string): (e: ClientMessageEvent) => Promise<void> {
  return async ({ ticketId, messageId, db, store, attempt }) => {
    const ticket = store.row(TICKET_MODEL, ticketId);
    if (!ticket || ticket.lexreply_taken_over) return;
    const team = ticket.team_id ? store.row("helpdesk.ticket.team", ticket.team_id as number) : undefined;
    if (team && !team.lexreply_enabled) return;
    store.write(TICKET_MODEL, [ticketId], {
      lexreply_state: "pending",
      lexreply_last_message_id: messageId,
      lexreply_attempts: attempt ?? 0,
      lexreply_asked_at: odooNow(),
    });
    const body = JSON.stringify({ ticket_id: ticketId, message_id: messageId, db });
    try {
      await fetch(`${sidecarUrl.replace(/\/+$/, "")}/ask`, {
        method: "POST",
        headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signBody(secret, body) },
        body,
        signal: AbortSignal.timeout(ASK_TIMEOUT_MS),
      });
    } catch {
      // the ticket stays pending; the addon's cron would send it again
    }
  };
}
