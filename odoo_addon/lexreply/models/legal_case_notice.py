"""Telling clients first: case-update notices and hearing reminders.

The addon decides *when* (a client-visible update, the daily reminder cron, a
paralegal's approval) and asks the sidecar with a signed ``POST /notify`` after
commit; the sidecar renders the firm's template and records the outcome with
ONE call to ``legal.case.lexreply_notice_apply``, which refuses what breaks the
audience rule. ``lexreply.notice`` is the ledger: one row per key, so nothing
is told twice.
"""

import logging
import re
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import plaintext2html

from . import sidecar
from .integration_guard import INTEGRATION_GROUP

_logger = logging.getLogger(__name__)

NOTICE_POLICIES = [("review", "A paralegal approves each notice"), ("auto", "Send at once")]
NOTICE_KINDS = [("update", "Case update"), ("reminder", "Hearing reminder")]
NOTICE_STATES = [
    ("draft", "To approve"),
    ("approved", "Approved, sending on LINE"),
    ("sent", "Sent"),
    ("skipped", "Not sent"),
]
DELIVERIES = [("push", "LINE push"), ("email", "E-mail")]
PARALEGAL_GROUP = "lexreply.group_lexreply_paralegal"
# Matters in these states get no reminders: there is nothing left to attend.
ENDED_STATES = ("settled", "closed")
# One cron run asks for at most this many reminders; the rest wait for the next run.
REMINDER_BATCH = 200
# A client-visible update whose /notify was lost (sidecar down) is asked again this long.
UPDATE_RETRY_WINDOW = timedelta(days=2)
# Asked again only after this: the first call may still be under way.
RETRY_GRACE = timedelta(minutes=5)
# An approved LINE notice still unsent after this is asked again.
APPROVED_RETRY_AFTER = timedelta(minutes=10)
KEY_RE = re.compile(r"^(update:\d+|reminder:\d+:\d{4}-\d{2}-\d{2}:\d+)$")


def reminder_days(value):
    """``"3"`` / ``"7, 1"`` -> sorted distinct whole days (bad entries are ignored)."""
    days = set()
    for part in (value or "").split(","):
        part = part.strip()
        if part.isdigit() and int(part) <= 365:
            days.add(int(part))
    return sorted(days)


def make_notify_callback(url, secret, payload):
    """A zero-argument callable for ``cr.postcommit.add``: sends /notify, never raises."""

    def _send_notify():
        try:
            response = sidecar.post_signed(url, secret, payload, sidecar.ASK_TIMEOUT)
            level = logging.INFO if 200 <= response.status_code < 300 else logging.WARNING
            _logger.log(level, "LexReply: /notify %s answered HTTP %s", payload, response.status_code)
        except Exception as exc:  # never break the caller; the cron asks again
            _logger.warning(
                "LexReply: could not send /notify %s to %s: %s",
                payload,
                url,
                sidecar.describe_error(exc),
            )

    return _send_notify


def schedule_notify(env, payload):
    """Register one signed POST /notify for after the commit (once per payload)."""
    params = env["ir.config_parameter"].sudo()
    url = (params.get_param("lexreply.sidecar_url") or "").strip()
    secret = params.get_param("lexreply.ask_secret") or ""
    if not url or not secret:
        _logger.warning("LexReply: lexreply.sidecar_url or lexreply.ask_secret is not set; no notice for %s", payload)
        return False
    cr = env.cr
    payload = dict(payload, db=cr.dbname)
    scheduled = cr.postcommit.data.setdefault("lexreply.notify", set())
    key = tuple(sorted(payload.items()))
    if key not in scheduled:
        scheduled.add(key)
        cr.postcommit.add(make_notify_callback(sidecar.join_url(url, "/notify"), secret, payload))
    return True


def may_see_case(partner, case):
    """The audience rule: a matter's own partner, and a company's contacts for a company's matter."""
    client = case.partner_id
    if partner == client:
        return True
    return bool(client.is_company and partner.commercial_partner_id == client)


class LexReplyNotice(models.Model):
    _name = "lexreply.notice"
    _description = "Notice to a client"
    _order = "id desc"
    _rec_name = "key"

    key = fields.Char(required=True, readonly=True, index=True, copy=False)
    case_id = fields.Many2one("legal.case", string="Matter", required=True, readonly=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one(related="case_id.partner_id", string="Client")
    kind = fields.Selection(NOTICE_KINDS, required=True, readonly=True)
    update_id = fields.Many2one("legal.case.update", string="Update", readonly=True, ondelete="set null")
    event_date = fields.Date(string="Event date", readonly=True)
    state = fields.Selection(NOTICE_STATES, required=True, readonly=True, default="draft", index=True)
    client_text = fields.Text(string="Text for the client", help="Exactly what the client reads; editable until approved.")
    delivered = fields.Selection(DELIVERIES, string="Sent by", readonly=True)
    note = fields.Text(string="Why", readonly=True)
    approved_uid = fields.Many2one("res.users", string="Approved by", readonly=True)
    approved_at = fields.Datetime(string="Approved on", readonly=True)

    _sql_constraints = [("key_uniq", "unique(key)", "A notice is told once: this key exists already.")]

    def write(self, vals):
        if "client_text" in vals and any(n.state != "draft" for n in self):
            raise UserError(self.env._("Only a notice still to approve can be edited."))
        return super().write(vals)

    def action_lexreply_approve(self):
        _check_staff(self.env)
        self._lexreply_approve()
        return True

    def _lexreply_approve(self):
        """Send approved drafts: LINE through the sidecar after commit, e-mail as a comment here."""
        now = fields.Datetime.now()
        for notice in self.sudo().filtered(lambda n: n.state == "draft"):
            case = notice.case_id
            partner = case.partner_id
            approval = {"approved_uid": self.env.uid, "approved_at": now}
            if partner.lexreply_notify and partner.lexreply_line_user_id:
                # Logged when the sidecar records the push.
                notice.write(dict(approval, state="approved"))
                schedule_notify(self.env, {"kind": "approved", "case_id": case.id})
                continue
            if partner.lexreply_notify:
                case._lexreply_notice_email(notice.client_text, author=self.env.user.partner_id)
                notice.write(dict(approval, state="sent", delivered="email"))
            else:
                notice.write(dict(approval, state="skipped", note=self.env._("The client turned notices off.")))
            case._lexreply_notice_log(notice)


def _check_staff(env):
    user = env.user
    if env.su:
        return
    if not user.has_group(PARALEGAL_GROUP) or user.has_group(INTEGRATION_GROUP):
        raise AccessError(env._("Only paralegals and lawyers approve notices to clients."))


class LegalCaseNotice(models.Model):
    _inherit = "legal.case"

    lexreply_notice_ids = fields.One2many("lexreply.notice", "case_id", string="Notices", groups=PARALEGAL_GROUP)
    lexreply_notice_draft_count = fields.Integer(
        compute="_compute_lexreply_notice_draft_count", string="Notices to approve", groups=PARALEGAL_GROUP
    )
    lexreply_notice_policy = fields.Selection(
        NOTICE_POLICIES,
        string="Notice policy",
        compute="_compute_lexreply_notice_policy",
        help="The setting lexreply.notice_policy, so the sidecar reads it with the matter.",
    )

    @api.depends("lexreply_notice_ids.state")
    def _compute_lexreply_notice_draft_count(self):
        for case in self:
            case.lexreply_notice_draft_count = len(case.sudo().lexreply_notice_ids.filtered(lambda n: n.state == "draft"))

    def _compute_lexreply_notice_policy(self):
        policy = self.env["ir.config_parameter"].sudo().get_param("lexreply.notice_policy") or "review"
        self.lexreply_notice_policy = policy if policy in dict(NOTICE_POLICIES) else "review"

    # ------------------------------------------------------------------ buttons

    def action_lexreply_approve_notices(self):
        """One click: every notice of this matter still to approve goes out."""
        _check_staff(self.env)
        self.check_access("write")
        self.sudo().lexreply_notice_ids.filtered(lambda n: n.state == "draft")._lexreply_approve()
        return True

    # ------------------------------------------------------------------ the sidecar's one write

    def lexreply_notice_apply(self, values):
        """Record a notice the sidecar rendered (and pushed on LINE), in one transaction.

        ``values``: ``{kind, update_id|false, event_date|false, state: sent|draft|skipped,
        client_text, delivered: push|email|false, note, key}``. Idempotent by ``key``: a
        repeat answers the first result and changes nothing (except an approved LINE
        notice the sidecar has now pushed). Refuses what breaks the audience rule."""
        self.ensure_one()
        if not (self.env.su or self.env.user.has_group(INTEGRATION_GROUP) or self.env.user.has_group("base.group_system")):
            raise AccessError(self.env._("Only LexReply records notices."))
        case = self.sudo()
        key = values.get("key") or ""
        if not KEY_RE.match(key):
            raise UserError(self.env._("Invalid notice key %(key)s.", key=key))
        state = values.get("state")
        delivered = values.get("delivered") or False
        Notice = self.env["lexreply.notice"].sudo()
        existing = Notice.search([("key", "=", key)], limit=1)
        if existing:
            return case._lexreply_notice_again(existing, state, delivered, values)
        if state not in ("sent", "draft", "skipped") or values.get("kind") not in ("update", "reminder"):
            raise UserError(self.env._("Invalid notice state or kind."))
        update = case._lexreply_notice_update(values)
        text = values.get("client_text") or ""
        if state != "skipped":
            case._lexreply_notice_check_audience(delivered if state == "sent" else False)
        if state == "sent" and delivered == "email":
            case._lexreply_notice_email(text)
        elif state == "sent" and delivered != "push":
            raise UserError(self.env._("A sent notice is sent by push or e-mail."))
        notice = Notice.create(
            {
                "key": key,
                "case_id": case.id,
                "kind": values["kind"],
                "update_id": update.id,
                "event_date": values.get("event_date") or False,
                "state": state,
                "client_text": text,
                "delivered": delivered if state == "sent" else False,
                "note": values.get("note") or False,
            }
        )
        case._lexreply_notice_log(notice)
        return {"notice_id": notice.id, "state": notice.state, "duplicate": False}

    def _lexreply_notice_again(self, notice, state, delivered, values):
        if notice.state == "approved" and state == "sent" and delivered == "push":
            notice.write({"state": "sent", "delivered": "push"})
            self._lexreply_notice_log(notice)
        elif notice.state == "approved" and state == "draft":
            # The LINE link changed since the approval: back to a person.
            notice.write({"state": "draft", "note": values.get("note") or False})
            self._lexreply_notice_log(notice)
        else:
            return {"notice_id": notice.id, "state": notice.state, "duplicate": True}
        return {"notice_id": notice.id, "state": notice.state, "duplicate": False}

    def _lexreply_notice_update(self, values):
        update = self.env["legal.case.update"].sudo().browse(values.get("update_id") or [])
        if values.get("kind") == "update":
            if not update.exists() or update.case_id != self or not update.client_visible:
                raise AccessError(self.env._("Only a client-visible update of this matter is told to the client."))
        return update

    def _lexreply_notice_check_audience(self, delivered):
        partner = self.partner_id
        if not partner.lexreply_notify:
            raise UserError(self.env._("The client turned notices off: nothing is sent."))
        if delivered == "push" and not partner.lexreply_line_user_id:
            raise UserError(self.env._("The client has no linked LINE account."))
        if delivered == "email":
            strangers = self.message_partner_ids.filtered(
                lambda p: p.partner_share and not may_see_case(p, self)
            )
            if strangers:
                raise AccessError(
                    self.env._(
                        "Not sent: %(names)s follow this matter but may not see it.",
                        names=", ".join(strangers.mapped("display_name")),
                    )
                )
            if not partner.email:
                raise UserError(self.env._("The client has no e-mail address."))

    def _lexreply_notice_email(self, text, author=None):
        """A comment the client (a follower) gets by e-mail, marked as automatic."""
        self._lexreply_notice_check_audience("email")
        self.message_subscribe(partner_ids=self.partner_id.ids)
        kwargs = {"author_id": author.id} if author else {}
        self.with_context(lexreply_auto_submitted=True).message_post(
            body=plaintext2html(text),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            **kwargs,
        )

    def _lexreply_notice_log(self, notice):
        """The matter's chatter records every notice's outcome (the one place each outcome passes)."""
        how = dict(DELIVERIES).get(notice.delivered) or dict(NOTICE_STATES)[notice.state]
        kind = dict(NOTICE_KINDS)[notice.kind]
        note = Markup("<p><b>%s</b> (%s)</p>") % (kind, how)
        if notice.note:
            note += Markup("<p>%s</p>") % notice.note
        # The e-mailed comment is in the chatter already; a pushed or held one is noted here.
        if notice.delivered != "email" and notice.client_text:
            note += plaintext2html(notice.client_text)
        self.message_post(body=note, message_type="comment", subtype_xmlid="mail.mt_note")
        # Pushes cost money: every notice that went out or waits for a person is in the execution log.
        if notice.state in ("sent", "draft"):
            self.env["lexreply.execution"].sudo().create(
                {
                    "kind": "notice" if notice.kind == "update" else "reminder",
                    "case_id": self.id,
                    "partner_id": self.partner_id.id,
                    "channel": {"push": "line", "email": "email"}.get(notice.delivered, False),
                    "outcome": notice.state,
                    "why": notice.note or False,
                }
            )

    def _notify_by_email_get_headers(self, headers=None):
        headers = super()._notify_by_email_get_headers(headers=headers)
        if self.env.context.get("lexreply_auto_submitted"):
            headers["Auto-Submitted"] = "auto-replied"
        return headers

    # ------------------------------------------------------------------ daily cron

    @api.model
    def _lexreply_cron_reminders(self, limit=REMINDER_BATCH):
        """Daily: the reminders due today. Returns the calls made."""
        return self._lexreply_due_reminders(limit)

    @api.model
    def _lexreply_cron_lost_notices(self, limit=REMINDER_BATCH):
        """Every few minutes: what a lost /notify left behind (the sidecar was down)."""
        return self._lexreply_retry_lost(limit)

    @api.model
    def _lexreply_due_reminders(self, limit):
        """One reminder per (matter, date, days before): for each matter the latest threshold
        passed (so a missed run catches up once, never twice); a moved date is a new key."""
        days = reminder_days(self.env["ir.config_parameter"].sudo().get_param("lexreply.reminder_days", "3"))
        if not days or limit <= 0:
            return 0
        today = fields.Date.context_today(self)
        cases = self.sudo().search(
            [
                ("next_event_date", ">=", today),
                ("next_event_date", "<=", today + timedelta(days=max(days))),
                ("state", "not in", ENDED_STATES),
                ("partner_id.lexreply_notify", "=", True),
            ],
            order="next_event_date asc, id asc",
        )
        keys = set(
            self.env["lexreply.notice"].sudo().search([("case_id", "in", cases.ids), ("kind", "=", "reminder")]).mapped("key")
        )
        calls = 0
        for case in cases:
            left = (case.next_event_date - today).days
            threshold = min(d for d in days if d >= left)
            event_date = fields.Date.to_string(case.next_event_date)
            if f"reminder:{case.id}:{event_date}:{threshold}" in keys:
                continue
            if calls >= limit:
                break
            payload = {"kind": "reminder", "case_id": case.id, "event_date": event_date, "days": threshold}
            if schedule_notify(self.env, payload):
                calls += 1
        return calls

    @api.model
    def _lexreply_retry_lost(self, limit):
        if limit <= 0:
            return 0
        now = fields.Datetime.now()
        updates = self.env["legal.case.update"].sudo().search(
            [
                ("client_visible", "=", True),
                ("write_date", ">=", now - UPDATE_RETRY_WINDOW),
                ("write_date", "<=", now - RETRY_GRACE),
            ],
            order="id asc",
        )
        told = set(self.env["lexreply.notice"].sudo().search([("update_id", "in", updates.ids)]).mapped("update_id").ids)
        payloads = [{"kind": "update", "update_id": u.id} for u in updates if u.id not in told]
        approved = self.env["lexreply.notice"].sudo().search(
            [("state", "=", "approved"), ("approved_at", "<=", now - APPROVED_RETRY_AFTER)]
        )
        payloads += [{"kind": "approved", "case_id": case_id} for case_id in set(approved.mapped("case_id").ids)]
        calls = 0
        for payload in payloads[:limit]:
            calls += bool(schedule_notify(self.env, payload))
        return calls


class LegalCaseUpdateNotice(models.Model):
    _inherit = "legal.case.update"

    @api.model_create_multi
    def create(self, vals_list):
        updates = super().create(vals_list)
        for update in updates.filtered("client_visible"):
            schedule_notify(self.env, {"kind": "update", "update_id": update.id})
        return updates

    def write(self, vals):
        hidden = self.filtered(lambda u: not u.client_visible) if vals.get("client_visible") else self.browse()
        result = super().write(vals)
        for update in hidden.filtered("client_visible"):
            schedule_notify(self.env, {"kind": "update", "update_id": update.id})
        return result


class ResPartnerNotice(models.Model):
    _inherit = "res.partner"

    lexreply_notify = fields.Boolean(
        string="Notices and reminders",
        default=True,
        tracking=True,
        help="Tell this client of case updates and remind them of hearings. The client can "
        "turn it off on LINE by writing 停止通知 / stop notices.",
    )

    def _lexreply_check_write(self, vals):
        # The client's own switch on LINE: the integration user may write it too.
        return super()._lexreply_check_write({k: v for k, v in vals.items() if k != "lexreply_notify"})
