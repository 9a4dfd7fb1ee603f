import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html

from . import sidecar
from .integration_guard import INTEGRATION_GROUP, check_integration_write

_logger = logging.getLogger(__name__)

POLICIES = [
    ("auto", "Send at once"),
    ("review", "Paralegal reviews every answer"),
    ("auto_if_grounded", "Send when grounded in the matter, else review"),
]
POLICY_KEYS = {key for key, _label in POLICIES}

STATES = [
    ("pending", "Pending"),
    ("answering", "Answering"),
    ("draft", "Draft to review"),
    ("sent", "Sent"),
    ("escalated", "Escalated"),
    ("failed", "Failed"),
]

RESEND_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 3

# Fields Odoo itself may write while the integration user posts (main attachment).
_BOT_WRITABLE_EXTRA = {"message_main_attachment_id"}


class LexReplyTicketMixin(models.AbstractModel):
    """Everything LexReply adds to a helpdesk ticket, whatever the helpdesk flavour.

    A bridge module (``lexreply_helpdesk_mgmt`` for OCA, ``lexreply_helpdesk`` for
    Enterprise) inherits this into its ``helpdesk.ticket`` and only adds what
    differs: the compute of ``lexreply_open``, the team model and the automation/cron data.
    The mixin inherits ``mail.thread`` so that its overrides of the mail gateway
    methods sit between the helpdesk's own overrides and ``mail.thread``'s.
    """

    _name = "lexreply.ticket.mixin"
    _description = "LexReply ticket fields and logic"
    _inherit = ["mail.thread", "mail.activity.mixin"]

    # Name of the team model of the flavour; set by the bridge.
    _lexreply_team_model = None

    lexreply_channel = fields.Selection(
        [("email", "Email"), ("line", "LINE")],
        string="Client channel",
        default="email",
        required=True,
        copy=False,
        tracking=True,
    )
    lexreply_line_user_id = fields.Char(string="LINE user ID", copy=False, index=True)
    lexreply_state = fields.Selection(
        STATES, string="LexReply state", copy=False, tracking=True, index=True
    )
    lexreply_case_id = fields.Many2one(
        "legal.case", string="Matter", copy=False, tracking=True, index=True
    )
    lexreply_draft = fields.Text(
        string="Draft answer",
        copy=False,
        help="The answer LexReply proposes; a paralegal may edit it before approving.",
    )
    lexreply_last_message_id = fields.Many2one(
        "mail.message", string="Last client message", copy=False, readonly=True
    )
    lexreply_policy = fields.Selection(
        POLICIES,
        string="Answer policy",
        compute="_compute_lexreply_policy",
        help="The team's policy, else the LexReply default policy, else review.",
    )
    lexreply_sender_auth = fields.Selection(
        [("pass", "Passed"), ("fail", "Failed"), ("none", "Unknown")],
        string="Sender authentication",
        default="none",
        copy=False,
        help="The receiving mail server's verdict (Authentication-Results) on the "
        "latest email of the client.",
    )
    lexreply_taken_over = fields.Boolean(
        string="Taken over by a person",
        copy=False,
        tracking=True,
        help="LexReply no longer answers this ticket automatically.",
    )
    lexreply_attempts = fields.Integer(string="LexReply attempts", copy=False, readonly=True)
    lexreply_asked_at = fields.Datetime(string="Asked LexReply at", copy=False, readonly=True)
    lexreply_open = fields.Boolean(
        string="Open",
        compute="_compute_lexreply_open",
        store=True,
        index=True,
        help="The ticket is not closed.",
    )
    lexreply_team_leader_id = fields.Many2one(
        "res.users",
        string="Team leader",
        compute="_compute_lexreply_team_leader_id",
        help="The leader of the ticket's team, wherever the helpdesk flavour keeps it.",
    )

    # ------------------------------------------------------------------
    # Flavour hooks (the bridges may override)
    # ------------------------------------------------------------------

    def _lexreply_team(self):
        self.ensure_one()
        if "team_id" in self._fields:
            return self.team_id
        return self.env["res.users"].browse()  # empty recordset: no team

    def _lexreply_team_leader(self):
        team = self._lexreply_team()
        if team and "user_id" in team._fields:
            return team.user_id
        return self.env["res.users"]

    def _lexreply_enabled(self):
        team = self._lexreply_team()
        return not team or bool(team.lexreply_enabled)

    @api.model
    def _lexreply_default_line_team(self):
        if not self._lexreply_team_model:
            return None
        Team = self.env[self._lexreply_team_model].sudo()
        param = self.env["ir.config_parameter"].sudo().get_param("lexreply.line_team_id")
        if param and str(param).isdigit():
            team = Team.browse(int(param)).exists()
            if team:
                return team
        return Team.search([("lexreply_enabled", "=", True)], limit=1)

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends(lambda self: ["team_id.lexreply_policy"] if "team_id" in self._fields else [])
    def _compute_lexreply_policy(self):
        default = self.env["ir.config_parameter"].sudo().get_param("lexreply.default_policy")
        if default not in POLICY_KEYS:
            default = "review"
        for ticket in self:
            team = ticket._lexreply_team()
            ticket.lexreply_policy = (team and team.lexreply_policy) or default

    def _compute_lexreply_open(self):
        # Each bridge overrides this (with its @api.depends): what "closed" means
        # depends on the flavour's stages.
        self.lexreply_open = True

    def _lexreply_team_leader_depends(self):
        if "team_id" not in self._fields:
            return []
        team_fields = self.env[self._fields["team_id"].comodel_name]._fields
        return ["team_id"] + [
            f"team_id.{name}" for name in ("leader_id", "user_id", "member_ids") if name in team_fields
        ]

    @api.depends(lambda self: self._lexreply_team_leader_depends())
    def _compute_lexreply_team_leader_id(self):
        # The sidecar reads this instead of team_id.user_id, which Enterprise's
        # team model lacks. As superuser: a reader of the ticket may not read its team.
        for ticket in self:
            ticket.lexreply_team_leader_id = ticket.sudo()._lexreply_team_leader().id

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # Tickets the integration user creates (LINE, or mail it hands to the
        # gateway) must not be auto-assigned to it: nobody would see them.
        by_bot = "user_id" in self._fields and self.env.user.has_group(
            INTEGRATION_GROUP
        )
        for vals in vals_list:
            if by_bot and not vals.get("user_id"):
                vals["user_id"] = False
            if (
                "team_id" in self._fields
                and vals.get("lexreply_channel") == "line"
                and not vals.get("team_id")
            ):
                team = self._lexreply_default_line_team()
                if team:
                    vals["team_id"] = team.id
        return super().create(vals_list)

    def write(self, vals):
        check_integration_write(
            self.env,
            vals,
            lambda name: name.startswith("lexreply_") or name in _BOT_WRITABLE_EXTRA,
            lambda names: self.env._(
                "The LexReply integration user may only write LexReply fields "
                "on tickets, not: %(fields)s",
                fields=names,
            ),
        )
        return super().write(vals)

    # ------------------------------------------------------------------
    # Mail gateway: sender authentication verdict
    # ------------------------------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        verdict = self.env.context.get("lexreply_sender_auth")
        if verdict:
            custom_values = dict(custom_values or {}, lexreply_sender_auth=verdict)
        return super().message_new(msg_dict, custom_values=custom_values)

    def message_update(self, msg_dict, update_vals=None):
        verdict = self.env.context.get("lexreply_sender_auth")
        if verdict:
            update_vals = dict(update_vals or {}, lexreply_sender_auth=verdict)
        return super().message_update(msg_dict, update_vals=update_vals)

    # ------------------------------------------------------------------
    # Comments on a ticket without partner reach its partner_email
    # ------------------------------------------------------------------

    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        if len(self) == 1 and message:
            self._lexreply_deliver_to_partner_email(message)
        return message

    def _lexreply_deliver_to_partner_email(self, message):
        """A ticket from an unknown address has no partner, so a comment reaches
        nobody. Mail the integration user's comments (and approved drafts) to
        the ticket's ``partner_email`` ourselves: the integration user may not
        send mail, so this runs as superuser."""
        if "partner_id" not in self._fields or "partner_email" not in self._fields:
            return
        if self.partner_id or not self.partner_email:
            return
        message_sudo = message.sudo()
        if message_sudo.message_type != "comment":
            return
        if message_sudo.subtype_id != self.env.ref("mail.mt_comment"):
            return
        user = self.env.user
        if not (
            self.env.context.get("lexreply_deliver_to_partner_email")
            or user.has_group(INTEGRATION_GROUP)
        ):
            return
        # Thread it like Odoo's own notifications: References = parent + this one.
        parent = message_sudo.parent_id or self.env["mail.message"].sudo().search(
            [("model", "=", self._name), ("res_id", "=", self.id), ("id", "!=", message_sudo.id)],
            order="id asc",
            limit=1,
        )
        references = " ".join(
            ref for ref in (parent.message_id, message_sudo.message_id) if ref
        )
        subject = message_sudo.subject
        if not subject and hasattr(self, "_message_compute_subject"):
            subject = self._message_compute_subject()
        subject = " ".join((subject or message_sudo.record_name or "").splitlines())
        self.env["mail.mail"].sudo().create(
            {
                "mail_message_id": message_sudo.id,
                "subject": subject,
                "body_html": message_sudo.body,
                "email_to": self.partner_email,
                "references": references,
                "auto_delete": True,
            }
        )

    # ------------------------------------------------------------------
    # Trigger: a client's message arrived (called by the automation rule)
    # ------------------------------------------------------------------

    def _lexreply_is_client_message(self, message):
        message = message.sudo()
        if message.message_type not in ("email", "comment"):
            return False
        if message.subtype_id.internal or message.is_internal:
            return False
        author = message.author_id
        if author:
            if not author.partner_share:
                return False
            bot = self.env.ref("lexreply.user_lexreply_bot", raise_if_not_found=False)
            if bot and author == bot.partner_id:
                return False
        return True

    def _lexreply_find_trigger_message(self):
        """The client's message that fired the automation: the ticket's newest
        client email/comment, newer than the last one we asked about."""
        self.ensure_one()
        domain = [
            ("model", "=", self._name),
            ("res_id", "=", self.id),
            ("message_type", "in", ("email", "comment")),
        ]
        if self.lexreply_last_message_id:
            domain.append(("id", ">", self.lexreply_last_message_id.id))
        for message in self.env["mail.message"].sudo().search(domain, order="id desc", limit=10):
            if self._lexreply_is_client_message(message):
                return message
        return self.env["mail.message"]

    def _lexreply_on_message_received(self):
        """Entry point of the LexReply automation rule (trigger: incoming message)."""
        if self.env.context.get("lexreply_skip_ask"):
            return False
        asked = False
        for ticket in self.sudo():
            if ticket.lexreply_taken_over or not ticket._lexreply_enabled():
                continue
            message = ticket._lexreply_find_trigger_message()
            if not message:
                continue
            ticket.write(
                {
                    "lexreply_state": "pending",
                    "lexreply_last_message_id": message.id,
                    "lexreply_attempts": 1,
                    "lexreply_asked_at": fields.Datetime.now(),
                }
            )
            asked = ticket._lexreply_schedule_ask(message.id) or asked
        return asked

    def _lexreply_settings(self):
        params = self.env["ir.config_parameter"].sudo()
        return (
            (params.get_param("lexreply.sidecar_url") or "").strip(),
            params.get_param("lexreply.ask_secret") or "",
        )

    def _lexreply_schedule_ask(self, message_id):
        """Register the signed POST /ask to run after the transaction commits."""
        self.ensure_one()
        url, secret = self._lexreply_settings()
        if not url or not secret:
            _logger.warning(
                "LexReply: lexreply.sidecar_url or lexreply.ask_secret is not set; "
                "ticket %s stays pending",
                self.id,
            )
            return False
        cr = self.env.cr
        scheduled = cr.postcommit.data.setdefault("lexreply.ask", set())
        key = (self._name, self.id, message_id)
        if key in scheduled:
            return True
        scheduled.add(key)
        payload = {"ticket_id": self.id, "message_id": message_id, "db": cr.dbname}
        cr.postcommit.add(sidecar.make_ask_callback(sidecar.join_url(url, "/ask"), secret, payload))
        return True

    # ------------------------------------------------------------------
    # Cron: re-send what is still pending, escalate after the cap
    # ------------------------------------------------------------------

    @api.model
    def _lexreply_cron_resend(self):
        now = fields.Datetime.now()
        tickets = self.sudo().search(
            [
                ("lexreply_state", "=", "pending"),
                ("lexreply_taken_over", "=", False),
                "|",
                ("lexreply_asked_at", "=", False),
                ("lexreply_asked_at", "<=", now - RESEND_AFTER),
            ]
        )
        for ticket in tickets:
            if not ticket._lexreply_enabled():
                continue  # LexReply was switched off for the team meanwhile
            if ticket.lexreply_attempts >= MAX_ATTEMPTS:
                ticket._lexreply_escalate(
                    self.env._(
                        "LexReply did not answer after %(count)s attempts.",
                        count=ticket.lexreply_attempts,
                    )
                )
                continue
            message = ticket.lexreply_last_message_id or ticket._lexreply_find_trigger_message()
            if not message:
                ticket._lexreply_escalate(self.env._("LexReply found no client message to answer."))
                continue
            ticket.write(
                {
                    "lexreply_attempts": ticket.lexreply_attempts + 1,
                    "lexreply_asked_at": now,
                    "lexreply_last_message_id": message.id,
                }
            )
            ticket._lexreply_schedule_ask(message.id)
        return True

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
            user = ticket._lexreply_responsible_user()
            ticket.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Answer the client (LexReply escalated)"),
                note=reason,
                user_id=user.id or self.env.uid,
            )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_lexreply_approve(self):
        """Approve & send the draft to the client."""
        self.ensure_one()
        if not self.lexreply_draft:
            raise UserError(self.env._("There is no draft answer to send."))
        if self.lexreply_channel == "line":
            return self._lexreply_deliver_on_line()
        self.with_context(lexreply_deliver_to_partner_email=True).message_post(
            body=plaintext2html(self.lexreply_draft),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.partner_id.ids if "partner_id" in self._fields else [],
        )
        self.sudo().write({"lexreply_state": "sent"})
        return True

    def _lexreply_deliver_on_line(self):
        url, secret = self._lexreply_settings()
        if not url or not secret:
            raise UserError(
                self.env._(
                    "Set the LexReply sidecar URL and shared secret in Settings first."
                )
            )
        target = sidecar.join_url(url, "/line/deliver")
        payload = {"ticket_id": self.id, "db": self.env.cr.dbname}
        try:
            response = sidecar.post_signed(target, secret, payload, sidecar.DELIVER_TIMEOUT)
        except Exception as exc:
            raise UserError(
                self.env._(
                    "Could not reach the sidecar at %(url)s: %(reason)s",
                    url=url,
                    reason=sidecar.describe_error(exc),
                )
            ) from exc
        if not 200 <= response.status_code < 300:
            raise UserError(
                self.env._(
                    "The sidecar refused to deliver the answer on LINE (HTTP %(status)s): %(body)s",
                    status=response.status_code,
                    body=(response.text or "")[:300],
                )
            )
        # The sidecar pushes the draft on LINE, posts the chatter note and sets
        # the state itself (in its own transaction): do not write the ticket here.
        return True

    def action_lexreply_regenerate(self):
        """Ask the sidecar again for the last client message."""
        for ticket in self:
            message = ticket.lexreply_last_message_id or ticket._lexreply_find_trigger_message()
            if not message:
                raise UserError(self.env._("There is no client message to answer yet."))
            ticket.sudo().write(
                {
                    "lexreply_state": "pending",
                    "lexreply_taken_over": False,
                    "lexreply_attempts": 1,
                    "lexreply_asked_at": fields.Datetime.now(),
                    "lexreply_last_message_id": message.id,
                }
            )
            if not ticket._lexreply_schedule_ask(message.id):
                raise UserError(
                    self.env._(
                        "Set the LexReply sidecar URL and shared secret in Settings first."
                    )
                )
        return True

    def action_lexreply_take_over(self):
        """A person answers this ticket; LexReply stops answering it."""
        for ticket in self:
            ticket.sudo().write({"lexreply_taken_over": True, "lexreply_state": "escalated"})
            ticket.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "%(name)s took over: LexReply will not answer this ticket automatically.",
                    name=self.env.user.name,
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        return True
