"""One answer, one transaction: ``helpdesk.ticket.lexreply_apply`` and what it leaves in Odoo.

The integration user calls it over ``execute_kw``; once the caller and the outcome have passed
every check, the method writes as superuser (the integration user itself may not post comments,
send mail or write tickets beyond the state ``answering``)."""

import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import plaintext2html

from . import mail_safety
from .audience import audience_failure
from .integration_guard import INTEGRATION_GROUP, is_restricted_integration
from .lexreply_autoreply import normalized
from .lexreply_execution import format_cost

_logger = logging.getLogger(__name__)

FINAL_STATES = ("sent", "draft", "escalated", "failed")
TEXT_KINDS = ("answer", "holding")
DELIVERIES = ("email", "reply", "push")
VERDICTS = ("passed", "failed", "not_checked")
# The audit line starts with this; it belongs in the note, never in what the client reads.
AUDIT_MARKER = "[LexReply]"
OUTCOME_KEYS = {
    "message_id", "state", "client_text", "client_text_kind", "note", "draft", "case_id",
    "matter_ids", "activity", "delivered", "execution",
}
EXECUTION_KEYS = {
    "kind", "channel", "outcome", "why", "model", "model_latency_ms", "tokens_in",
    "tokens_cached", "tokens_out", "check_verdict", "check_failures",
}
AUTO_SUBMITTED = {"Auto-Submitted": "auto-replied"}


def _text(value, name, env, required=False):
    if value in (False, None, ""):
        if required:
            raise UserError(env._("lexreply_apply: %(name)s is required", name=name))
        return False
    if not isinstance(value, str):
        raise UserError(env._("lexreply_apply: %(name)s must be text", name=name))
    return value


def _choice(value, allowed, name, env, optional=False):
    if optional and value in (False, None):
        return False
    if value not in allowed:
        raise UserError(
            env._(
                "lexreply_apply: %(name)s must be one of %(allowed)s",
                name=name,
                allowed=", ".join(allowed),
            )
        )
    return value


def _int(value, name, env, optional=False):
    if optional and value in (False, None):
        return False
    if not isinstance(value, int) or isinstance(value, bool):
        raise UserError(env._("lexreply_apply: %(name)s must be an integer", name=name))
    return value


def parse_outcome(env, outcome):
    """The outcome as the contract describes it, or a UserError naming the first problem."""
    if not isinstance(outcome, dict):
        raise UserError(env._("lexreply_apply: the outcome must be an object"))
    unknown = set(outcome) - OUTCOME_KEYS
    if unknown:
        raise UserError(
            env._("lexreply_apply: unknown keys %(keys)s", keys=", ".join(sorted(unknown)))
        )
    activity = outcome.get("activity") or False
    if activity and not (isinstance(activity, dict) and isinstance(activity.get("summary"), str)):
        raise UserError(env._("lexreply_apply: activity must be {summary, note} or false"))
    execution = outcome.get("execution") or {}
    if not isinstance(execution, dict) or set(execution) - EXECUTION_KEYS:
        raise UserError(env._("lexreply_apply: execution has unknown keys or is not an object"))
    matter_ids = outcome.get("matter_ids") or []
    if not isinstance(matter_ids, list):
        raise UserError(env._("lexreply_apply: matter_ids must be a list"))
    parsed = {
        "message_id": _int(outcome.get("message_id"), "message_id", env),
        "state": _choice(outcome.get("state"), FINAL_STATES, "state", env),
        "client_text": _text(outcome.get("client_text"), "client_text", env),
        "client_text_kind": _choice(
            outcome.get("client_text_kind") or False, TEXT_KINDS, "client_text_kind", env, True
        ),
        "note": _text(outcome.get("note"), "note", env, required=True),
        "draft": _text(outcome.get("draft"), "draft", env),
        "case_id": _int(outcome.get("case_id") or False, "case_id", env, optional=True),
        "matter_ids": [_int(m, "matter_ids", env) for m in matter_ids],
        "activity": activity,
        "delivered": _choice(outcome.get("delivered") or False, DELIVERIES, "delivered", env, True),
        "execution": execution,
    }
    if parsed["client_text"] and not parsed["client_text_kind"]:
        raise UserError(env._("lexreply_apply: client_text needs client_text_kind"))
    if parsed["draft"] and AUDIT_MARKER in parsed["draft"]:
        raise UserError(
            env._("lexreply_apply: the draft carries the audit line; it belongs in the note")
        )
    _choice(execution.get("check_verdict") or "not_checked", VERDICTS, "check_verdict", env)
    return parsed


class LexReplyTicketApply(models.AbstractModel):
    _inherit = "lexreply.ticket.mixin"

    # ------------------------------------------------------------------
    # Callers
    # ------------------------------------------------------------------

    def _lexreply_check_integration_caller(self):
        """The sidecar's methods are for the integration user (and administrators, who can
        do more anyway); nobody else, whatever context they pass."""
        user = self.env.user
        if self.env.su or user.has_group("base.group_system"):
            return
        if not user.has_group(INTEGRATION_GROUP):
            raise AccessError(self.env._("Only the LexReply integration user may do this."))

    def message_post(self, **kwargs):
        """The integration user writes to clients only through lexreply_apply (which checks the
        audience and posts as superuser): a comment it posts directly is refused, and so is a note
        naming recipients (Odoo would mail them). The mail gateway's own posts, when the bot hands
        mail to message_process, are emails, not comments."""
        if is_restricted_integration(self.env):
            if kwargs.get("partner_ids"):
                raise AccessError(
                    self.env._("The LexReply integration user may not address messages to anyone.")
                )
            if kwargs.get("message_type", "notification") == "comment":
                if kwargs.get("subtype_xmlid"):
                    subtype = self.env.ref(kwargs["subtype_xmlid"])
                elif kwargs.get("subtype_id"):
                    subtype = self.env["mail.message.subtype"].sudo().browse(kwargs["subtype_id"])
                else:
                    subtype = self.env.ref("mail.mt_note")
                if not subtype.internal:
                    raise AccessError(
                        self.env._(
                            "The LexReply integration user posts answers through lexreply_apply only."
                        )
                    )
        return super().message_post(**kwargs)

    # ------------------------------------------------------------------
    # Mail LexReply causes carries Auto-Submitted (RFC 3834)
    # ------------------------------------------------------------------

    def _notify_by_email_get_headers(self, headers=None):
        headers = super()._notify_by_email_get_headers(headers=headers)
        if self.env.context.get("lexreply_auto_submitted"):
            headers.update(AUTO_SUBMITTED)
        return headers

    # ------------------------------------------------------------------
    # lexreply_apply
    # ------------------------------------------------------------------

    def lexreply_apply(self, outcome):
        """Everything an answer leaves in Odoo, in one transaction (see the addon README)."""
        self.ensure_one()
        self._lexreply_check_integration_caller()
        self.check_access("read")
        outcome = parse_outcome(self.env, outcome)
        ticket = self.sudo()
        message = self.env["mail.message"].sudo().browse(outcome["message_id"]).exists()
        if not message or message.model != ticket._name or message.res_id != ticket.id:
            raise AccessError(
                self.env._("lexreply_apply refused: the message is not a message of this ticket")
            )
        Execution = self.env["lexreply.execution"].sudo()
        done = Execution.search(
            [("ticket_id", "=", ticket.id), ("message_id", "=", message.id), ("kind", "=", "answer")],
            limit=1,
        )
        if done:
            return {"applied": False, "state": done.outcome, "execution_id": done.id}
        refusal = ticket._lexreply_apply_refusal(outcome, message)
        if refusal:
            raise AccessError(self.env._("lexreply_apply refused: %(why)s", why=refusal))
        return ticket._lexreply_apply_checked(outcome, message)

    def _lexreply_outcome_cases(self, outcome):
        ids = set(outcome["matter_ids"])
        if outcome["case_id"]:
            ids.add(outcome["case_id"])
        cases = self.env["legal.case"].sudo().with_context(active_test=False).browse(sorted(ids))
        if len(cases.exists()) != len(ids):
            raise UserError(self.env._("lexreply_apply: an unknown matter was named"))
        return cases

    def _lexreply_apply_refusal(self, outcome, message):
        """Why this outcome may not be applied (a sentence), or None."""
        answer = outcome["client_text_kind"] == "answer" or outcome["state"] == "sent"
        if self.lexreply_taken_over and answer:
            return self.env._("a person took this ticket over")
        if not answer:
            return None
        line = self.lexreply_channel == "line"
        if line and outcome["delivered"] not in ("reply", "push") and outcome["state"] == "sent":
            return self.env._("a LINE answer must have been delivered by reply or push")
        return audience_failure(
            self.env,
            self,
            message.author_id,
            self._lexreply_outcome_cases(outcome),
            line_delivery=line,
        )

    def _lexreply_apply_checked(self, outcome, message):
        self.ensure_one()
        cases = self._lexreply_outcome_cases(outcome)
        execution = outcome["execution"]
        state = outcome["state"]
        activity = outcome["activity"]
        held = None
        if outcome["case_id"]:
            # First: every activity below goes to the paralegal of the matter just named.
            self.lexreply_case_id = outcome["case_id"]
        if self.lexreply_taken_over:
            # A person is on it: nothing client-facing from the bot, no activity, state kept.
            held = self.env._("Taken over: nothing was sent to the client.")
            activity = False
        elif outcome["client_text"]:
            held = self._lexreply_deliver_text(outcome, message)
            if held:
                activity = activity or {"summary": self.env._("Answer the client"), "note": ""}
                activity = dict(activity, note="\n".join(filter(None, [activity.get("note"), held])))
                if state == "sent":
                    state = "escalated"

        Execution = self.env["lexreply.execution"].sudo()
        values = Execution._lexreply_values(execution, state, message)
        values.update(
            ticket_id=self.id,
            partner_id=self.partner_id.id if "partner_id" in self._fields else False,
            case_id=outcome["case_id"] or False,
            channel=values["channel"] or self.lexreply_channel,
        )
        team = self._lexreply_team()
        if team and "team_id" in Execution._fields:
            values["team_id"] = team.id
        record = Execution.create(values)

        vals = {
            "lexreply_draft": outcome["draft"],
            "lexreply_draft_original": outcome["draft"],
            "lexreply_draft_needs_edit": bool(
                outcome["draft"] and execution.get("check_verdict") == "failed"
            ),
            "lexreply_draft_case_ids": [fields.Command.set(cases.ids if outcome["draft"] else [])],
            "lexreply_approved_by": False,
            "lexreply_approved_at": False,
        }
        if not self.lexreply_taken_over:
            vals["lexreply_state"] = state
        self.write(vals)

        note = self._lexreply_with_cost(outcome["note"], record.cost)
        self._lexreply_post_note("\n".join(filter(None, [note, held])))
        if activity:
            self._lexreply_activity(activity.get("summary"), activity.get("note") or "")
        return {"applied": True, "state": self.lexreply_state, "execution_id": record.id}

    @api.model
    def _lexreply_with_cost(self, note, cost):
        """The note with the answer's cost appended to its first line, the audit line."""
        first, sep, rest = note.partition("\n")
        return "%s · %s%s%s" % (first, format_cost(cost), sep, rest)

    def _lexreply_post_note(self, text):
        bot = self.env.ref("lexreply.user_lexreply_bot")
        return self.sudo().with_context(mail_create_nosubscribe=True).message_post(
            body=plaintext2html(text),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            author_id=bot.partner_id.id,
        )

    # ------------------------------------------------------------------
    # The client-facing text
    # ------------------------------------------------------------------

    def _lexreply_deliver_text(self, outcome, message):
        """Post (email) or record (LINE) the client-facing text. Returns why it was held back
        (for the note and the activity), or None when it went out."""
        text = outcome["client_text"]
        if self.lexreply_channel == "line":
            if outcome["delivered"] in ("reply", "push"):
                self._lexreply_post_note(
                    self.env._("Sent on LINE by %(how)s:", how=outcome["delivered"]) + "\n" + text
                )
                return None
            return self.env._("Not sent: the LINE message was not delivered.")
        partner = self.partner_id if "partner_id" in self._fields else False
        if partner:
            recipients = self._lexreply_mail_recipients()
            return self._lexreply_guarded_mail(
                [p.email for p in recipients if p.email],  # Odoo mails nobody without an address
                lambda: self._lexreply_post_comment(text, partner, message),
            )
        if outcome["client_text_kind"] != "holding":
            return self.env._("Not sent: a ticket without a known client gets only holding replies.")
        email = self.partner_email if "partner_email" in self._fields else False
        if not email:
            return self.env._("Not sent: the ticket has neither a client nor an address.")
        return self._lexreply_guarded_mail(
            [email] + [p.email for p in self._lexreply_mail_recipients() if p.email],
            lambda: self._lexreply_relay_holding(text, message),
        )

    def _lexreply_mail_recipients(self):
        """Share partners Odoo would mail a comment to (followers and the client), but the bot."""
        bot = self.env.ref("lexreply.user_lexreply_bot").partner_id
        partners = self.sudo().message_partner_ids
        if "partner_id" in self._fields:
            partners |= self.partner_id
        return partners.filtered(lambda p: p.partner_share and p != bot)

    def _lexreply_guarded_mail(self, emails, send):
        """Mail only outside the firm and under the cap of automatic replies per address."""
        Autoreply = self.env["lexreply.autoreply"]
        own = mail_safety.firm_own(self.env, emails)
        if own:
            return self.env._(
                "Not mailed: %(emails)s is the firm's own address (mail loop guard).",
                emails=", ".join(own),
            )
        emails = normalized(emails)
        over = Autoreply._over_cap(emails)
        if over:
            asked = Autoreply._already_asked(over)
            Autoreply._record(over, self, capped=True)
            reason = self.env._(
                "Not mailed: %(emails)s already got %(cap)s automatic replies this hour (mail "
                "loop guard).",
                emails=", ".join(over),
                cap=Autoreply._cap(),
            )
            if not asked:
                self._lexreply_activity(self.env._("Automatic replies capped"), reason)
            return reason
        send()
        Autoreply._record(emails, self)
        return None

    def _lexreply_post_comment(self, text, partner, message):
        bot = self.env.ref("lexreply.user_lexreply_bot")
        return (
            self.sudo()
            .with_context(mail_create_nosubscribe=True, lexreply_auto_submitted=True)
            .message_post(
                body=plaintext2html(text),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=bot.partner_id.id,
                partner_ids=partner.ids,
                parent_id=message.id,
            )
        )

    def _lexreply_relay_holding(self, text, message):
        """A ticket from an unknown address has no partner, so a comment reaches nobody but its
        followers: the holding reply (never case data) also goes to ``partner_email``, at once."""
        comment = self._lexreply_post_comment(text, self.env["res.partner"], message)  # its followers
        sudo_comment = comment.sudo()
        references = " ".join(
            ref for ref in (sudo_comment.parent_id.message_id, sudo_comment.message_id) if ref
        )
        subject = comment.subject or self._message_compute_subject()
        mail = self.env["mail.mail"].sudo().create(
            {
                "mail_message_id": comment.id,
                "subject": " ".join((subject or "").splitlines()),
                "body_html": comment.body,
                "email_to": self.partner_email,
                "references": references,
                "headers": repr(AUTO_SUBMITTED),
                "auto_delete": True,
            }
        )
        # Not at the mail queue's next run: the unknown sender waits for an acknowledgement. Right
        # after the commit rather than inside the transaction: an apply that rolls back (or is retried
        # after a serialisation failure) never mails, and never mails twice.
        mail.send_after_commit()

    # ------------------------------------------------------------------
    # One open LexReply activity per ticket
    # ------------------------------------------------------------------

    def _lexreply_activity(self, summary, note):
        """Schedule the LexReply activity for the responsible person, or append ``note`` to the
        one still open, so a ticket never collects a pile of them."""
        self.ensure_one()
        ticket = self.sudo()
        activity_type = self.env.ref("lexreply.mail_activity_type_lexreply")
        note_html = plaintext2html(note or "")
        current = ticket.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)[:1]
        if current:
            current.note = (current.note or Markup()) + note_html
            return current
        user = ticket._lexreply_responsible_user()
        return ticket.activity_schedule(
            activity_type_id=activity_type.id,
            summary=summary or self.env._("Answer the client (LexReply escalated)"),
            note=note_html,
            user_id=user.id or self.env.ref("base.user_admin").id,
        )

    def _lexreply_responsible_user(self):
        """Who gets the activity: the matter's paralegal, else the team leader,
        else the ticket's assignee, else the administrator; never the bot."""
        self.ensure_one()
        bot = self.env.ref("lexreply.user_lexreply_bot", raise_if_not_found=False)
        candidates = [
            self.lexreply_case_id.paralegal_id,
            self._lexreply_team_leader(),
            self["user_id"] if "user_id" in self._fields else self.env["res.users"],
            self.env.ref("base.user_admin", raise_if_not_found=False),
        ]
        for user in candidates:
            if user and user != bot and user.active:
                return user
        return self.env["res.users"]

    def _lexreply_escalate(self, reason):
        for ticket in self.sudo():
            ticket.write({"lexreply_state": "escalated"})
            ticket._lexreply_activity(self.env._("Answer the client (LexReply escalated)"), reason)

    # ------------------------------------------------------------------
    # LINE: the sidecar records a push of an approved draft
    # ------------------------------------------------------------------

    def lexreply_record_delivery(self, delivery):
        """The sidecar pushed the approved draft: mark it sent. A no-op returning False when the
        ticket is no longer that approved draft (approved again, edited, taken over, sent)."""
        self.ensure_one()
        self._lexreply_check_integration_caller()
        self.check_access("read")
        if not isinstance(delivery, dict) or delivery.get("delivered") not in ("push", "reply"):
            raise UserError(self.env._("lexreply_record_delivery: delivered must be push or reply"))
        ticket = self.sudo()
        approved_at = delivery.get("approved_at")
        if (
            ticket.lexreply_state != "draft"
            or ticket.lexreply_taken_over
            or not ticket.lexreply_approved_at
            or not approved_at
            or str(approved_at) != fields.Datetime.to_string(ticket.lexreply_approved_at)
        ):
            return False
        text = delivery.get("text") if isinstance(delivery.get("text"), str) else ticket.lexreply_draft
        ticket._lexreply_post_note(
            self.env._(
                "Sent on LINE by %(how)s, approved by %(name)s:",
                how=delivery["delivered"],
                name=ticket.lexreply_approved_by.name,
            )
            + "\n"
            + (text or "")
        )
        ticket.write(
            {
                "lexreply_state": "sent",
                "lexreply_approved_at": False,
                "lexreply_approved_by": False,
                "lexreply_draft_needs_edit": False,
            }
        )
        return True
