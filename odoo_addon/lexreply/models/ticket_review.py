"""The review buttons: Approve & send, Regenerate, Take over.

Only helpdesk users and administrators may press them. Each checks the caller (group, then
write access to the ticket) before anything else, and only then writes as superuser."""

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import plaintext2html

from . import sidecar
from .audience import audience_failure
from .integration_guard import INTEGRATION_GROUP


class LexReplyTicketReview(models.AbstractModel):
    _inherit = "lexreply.ticket.mixin"

    # Groups whose members work tickets; each bridge names its flavour's helpdesk user group.
    _lexreply_staff_groups = ()

    def _lexreply_check_staff(self):
        """Refuse anyone but helpdesk users and administrators with write access to the tickets.
        The integration user is refused too: it acts through lexreply_apply, never through a
        person's buttons."""
        user = self.env.user
        admin = user.has_group("base.group_system")
        staff = any(user.has_group(group) for group in self._lexreply_staff_groups)
        if not admin and (user.has_group(INTEGRATION_GROUP) or not staff):
            raise AccessError(
                self.env._("Only helpdesk users and administrators may review LexReply answers.")
            )
        self.check_access("write")

    def _lexreply_require_settings(self):
        url, secret = self._lexreply_settings()
        if not url or not secret:
            raise UserError(
                self.env._("Set the LexReply sidecar URL and shared secret in Settings first.")
            )
        return url, secret

    # ------------------------------------------------------------------
    # Approve & send
    # ------------------------------------------------------------------

    def action_lexreply_approve(self):
        """Approve & send the draft to the client."""
        self.ensure_one()
        self._lexreply_check_staff()
        ticket = self.sudo()
        if not ticket.lexreply_draft or ticket.lexreply_state != "draft":
            raise UserError(self.env._("There is no draft answer to send."))
        if ticket.lexreply_taken_over:
            raise UserError(self.env._("This ticket was taken over: answer the client yourself."))
        if ticket.lexreply_draft_needs_edit and (ticket.lexreply_draft or "").strip() == (
            ticket.lexreply_draft_original or ""
        ).strip():
            raise UserError(
                self.env._(
                    "This draft failed the fact check (see the note): correct it before sending."
                )
            )
        refusal = audience_failure(
            self.env,
            ticket,
            ticket.lexreply_last_message_id.author_id,
            ticket.lexreply_draft_case_ids | ticket.lexreply_case_id,
            line_delivery=ticket.lexreply_channel == "line",
        )
        if refusal:
            raise UserError(
                self.env._(
                    "The draft cannot go out: %(why)s. Answer from the chatter after checking "
                    "who will receive it.",
                    why=refusal,
                )
            )
        if ticket.lexreply_channel == "line":
            return ticket._lexreply_approve_line()
        ticket._lexreply_approve_email()
        return True

    def _lexreply_approve_email(self):
        # Posted in the reviewer's name; Odoo mails it to the client (and followers, which the
        # audience check above covered).
        self.with_user(self.env.uid).with_context(
            mail_create_nosubscribe=True, lexreply_auto_submitted=True
        ).message_post(
            body=plaintext2html(self.lexreply_draft),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.partner_id.ids,
        )
        self.write(
            {"lexreply_state": "sent", "lexreply_draft_needs_edit": False, "lexreply_draft_original": False}
        )

    def _lexreply_approve_line(self):
        """Record who approved and when, then (after the commit) ask the sidecar to push it;
        the sidecar sends only this recorded approval, and the cron re-sends it if needed."""
        url, secret = self._lexreply_require_settings()
        self.write(
            {"lexreply_approved_by": self.env.uid, "lexreply_approved_at": fields.Datetime.now()}
        )
        self._lexreply_schedule_deliver(url, secret)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("LexReply"),
                "message": self.env._("Approved: LexReply is sending the answer on LINE."),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _lexreply_deliver_payload(self):
        return {"action": "deliver", "ticket_id": self.id, "db": self.env.cr.dbname}

    def _lexreply_schedule_deliver(self, url, secret):
        self.env.cr.postcommit.add(
            sidecar.make_deliver_callback(
                sidecar.join_url(url, "/line/deliver"), secret, self._lexreply_deliver_payload()
            )
        )

    # ------------------------------------------------------------------
    # Regenerate, Take over
    # ------------------------------------------------------------------

    def action_lexreply_regenerate(self):
        """Ask the sidecar again for the last client message (also for a stuck ticket)."""
        self._lexreply_check_staff()
        self._lexreply_require_settings()
        for ticket in self.sudo():
            if ticket.lexreply_state in ("pending", "answering") and not ticket.lexreply_stuck:
                raise UserError(self.env._("LexReply is answering this ticket right now."))
            message = ticket.lexreply_last_message_id or ticket._lexreply_find_trigger_message()
            if not message:
                raise UserError(self.env._("There is no client message to answer yet."))
            ticket.write(
                {
                    "lexreply_state": "pending",
                    "lexreply_taken_over": False,
                    "lexreply_attempts": 0,
                    "lexreply_asked_at": fields.Datetime.now(),
                    "lexreply_last_message_id": message.id,
                    "lexreply_approved_by": False,
                    "lexreply_approved_at": False,
                }
            )
            ticket._lexreply_schedule_ask(message.id)
        return True

    def action_lexreply_take_over(self):
        """A person answers this ticket; LexReply stops answering it."""
        self._lexreply_check_staff()
        name = self.env.user.name
        for ticket in self.sudo():
            ticket.write(
                {
                    "lexreply_taken_over": True,
                    "lexreply_state": "escalated",
                    "lexreply_approved_by": False,
                    "lexreply_approved_at": False,
                }
            )
            ticket._lexreply_post_note(
                self.env._(
                    "%(name)s took over: LexReply will not answer this ticket automatically.",
                    name=name,
                )
            )
        return True
