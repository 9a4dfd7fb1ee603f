"""Nothing stuck: the cron re-asks tickets left pending or answering, escalates after
MAX_ATTEMPTS, and re-sends approved LINE drafts the sidecar has not recorded as delivered."""

import logging
from datetime import timedelta

from odoo import api, fields, models

from . import sidecar
from .lexreply_ticket_mixin import MAX_ATTEMPTS

_logger = logging.getLogger(__name__)

BATCH = 50  # tickets per run: each call may take up to sidecar.ASK_TIMEOUT
DELIVER_RETRY_AFTER = timedelta(minutes=5)
APPROVAL_VALID = timedelta(minutes=10)  # the sidecar refuses an older approval


class LexReplyTicketCron(models.AbstractModel):
    _inherit = "lexreply.ticket.mixin"

    @api.model
    def _lexreply_cron_resend(self, limit=BATCH):
        """Calls are made here, one by one, before anything is counted: an attempt counts only
        once the sidecar took the call (2xx, or a 4xx refusal). A sidecar that is down ends
        the run at the first failure and burns nobody's attempts."""
        self.env["lexreply.autoreply"]._prune()
        url, secret = self._lexreply_settings()
        reachable = self._lexreply_cron_reask(url, secret, limit)
        if reachable:
            self._lexreply_cron_redeliver(url, secret, limit)
        return True

    @api.model
    def _lexreply_cron_reask(self, url, secret, limit):
        now = fields.Datetime.now()
        due = now - self._lexreply_answer_timeout()
        tickets = self.sudo().search(
            [
                ("lexreply_state", "in", ("pending", "answering")),
                ("lexreply_taken_over", "=", False),
                "|",
                ("lexreply_asked_at", "=", False),
                ("lexreply_asked_at", "<=", due),
            ],
            order="lexreply_asked_at asc, id asc",
            limit=limit,
        )
        for ticket in tickets:
            if not ticket._lexreply_enabled():
                ticket._lexreply_escalate(
                    self.env._("LexReply was switched off for this team before it answered.")
                )
                continue
            if ticket.lexreply_attempts >= MAX_ATTEMPTS:
                ticket._lexreply_escalate(
                    self.env._(
                        "LexReply did not answer after %(count)s more attempts.",
                        count=ticket.lexreply_attempts,
                    )
                )
                continue
            message = ticket.lexreply_last_message_id or ticket._lexreply_find_trigger_message()
            if not message:
                ticket._lexreply_escalate(self.env._("LexReply found no client message to answer."))
                continue
            if not url or not secret:
                _logger.warning("LexReply: no sidecar URL or secret; the cron re-asks nothing")
                return False
            payload = {"ticket_id": ticket.id, "message_id": message.id, "db": self.env.cr.dbname}
            result = sidecar.send(sidecar.join_url(url, "/ask"), secret, payload)
            if result == "unreachable":
                return False
            ticket.write(
                {
                    "lexreply_state": "pending",
                    "lexreply_attempts": ticket.lexreply_attempts + 1,
                    "lexreply_asked_at": fields.Datetime.now(),
                    "lexreply_last_message_id": message.id,
                }
            )
        return True

    @api.model
    def _lexreply_cron_redeliver(self, url, secret, limit):
        now = fields.Datetime.now()
        tickets = self.sudo().search(
            [
                ("lexreply_state", "=", "draft"),
                ("lexreply_approved_at", "!=", False),
                ("lexreply_approved_at", "<=", now - DELIVER_RETRY_AFTER),
            ],
            order="lexreply_approved_at asc, id asc",
            limit=limit,
        )
        for ticket in tickets:
            if ticket.lexreply_taken_over or ticket.lexreply_approved_at <= now - APPROVAL_VALID:
                who = ticket.lexreply_approved_by.name
                ticket.write({"lexreply_approved_at": False, "lexreply_approved_by": False})
                if not ticket.lexreply_taken_over:
                    ticket._lexreply_activity(
                        self.env._("Send the approved answer"),
                        self.env._(
                            "The answer %(name)s approved could not be sent on LINE; approve it "
                            "again or answer the client yourself.",
                            name=who,
                        ),
                    )
                continue
            if not url or not secret:
                return False
            payload = ticket._lexreply_deliver_payload()
            if sidecar.send(sidecar.join_url(url, "/line/deliver"), secret, payload) == "unreachable":
                return False
        return True
