import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

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

MAX_ATTEMPTS = 3
DEFAULT_ANSWER_TIMEOUT = 90  # seconds: the sidecar's LLM_TIMEOUT_MS (30 s) plus a margin

# What the integration user may write directly: the state "answering" (and what Odoo itself
# writes while it posts a file). Everything else goes through lexreply_apply,
# lexreply_line_intake and lexreply_record_delivery, which check what they write.
_BOT_WRITABLE = {"lexreply_state": {"answering"}, "message_main_attachment_id": None}

# Who may set which LINE account a ticket answers to: LexReply itself and administrators.
LINE_TICKET_FIELDS = {"lexreply_line_user_id"}


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
    lexreply_line_user_id = fields.Char(
        string="LINE user ID",
        copy=False,
        index=True,
        readonly=True,
        help="The LINE account this ticket answers to; set by LexReply, cleared when the "
        "client's LINE link changes.",
    )
    lexreply_state = fields.Selection(
        STATES, string="LexReply state", copy=False, tracking=True, index=True
    )
    lexreply_case_id = fields.Many2one(
        "legal.case", string="Matter", copy=False, tracking=True, index=True
    )
    lexreply_draft = fields.Text(
        string="Draft answer",
        copy=False,
        groups="base.group_user",
        help="The answer LexReply proposes, exactly as the client would read it; a paralegal "
        "may edit it before approving.",
    )
    lexreply_draft_original = fields.Text(
        string="Draft as proposed",
        copy=False,
        readonly=True,
        groups="base.group_user",
    )
    lexreply_draft_needs_edit = fields.Boolean(
        string="Draft must be edited",
        copy=False,
        readonly=True,
        help="The draft failed the fact check: Approve & send waits until someone edits it.",
    )
    lexreply_draft_case_ids = fields.Many2many(
        "legal.case",
        "lexreply_ticket_draft_case_rel",
        "ticket_id",
        "case_id",
        string="Matters in the draft",
        copy=False,
        readonly=True,
    )
    lexreply_approved_by = fields.Many2one(
        "res.users", string="Approved by", copy=False, readonly=True
    )
    lexreply_approved_at = fields.Datetime(string="Approved at", copy=False, readonly=True)
    lexreply_stuck = fields.Boolean(
        string="Waiting too long",
        compute="_compute_lexreply_stuck",
        help="Pending or answering for longer than the answer timeout of the LexReply settings.",
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
        help="The firm's receiving mail server's verdict (Authentication-Results) on the "
        "latest email of the client.",
    )
    lexreply_taken_over = fields.Boolean(
        string="Taken over by a person",
        copy=False,
        tracking=True,
        help="LexReply no longer answers this ticket automatically.",
    )
    lexreply_attempts = fields.Integer(
        string="LexReply attempts",
        copy=False,
        readonly=True,
        help="How many times the cron asked LexReply again (counted once the sidecar took the call).",
    )
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

    @api.model
    def _lexreply_answer_timeout(self):
        raw = self.env["ir.config_parameter"].sudo().get_param("lexreply.answer_timeout_seconds")
        try:
            return timedelta(seconds=max(1, int(raw))) if raw else timedelta(seconds=DEFAULT_ANSWER_TIMEOUT)
        except ValueError:
            return timedelta(seconds=DEFAULT_ANSWER_TIMEOUT)

    @api.depends("lexreply_state", "lexreply_asked_at")
    def _compute_lexreply_stuck(self):
        due = fields.Datetime.now() - self._lexreply_answer_timeout()
        for ticket in self:
            ticket.lexreply_stuck = ticket.lexreply_state in ("pending", "answering") and (
                not ticket.lexreply_asked_at or ticket.lexreply_asked_at <= due
            )

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
            self._lexreply_check_line_fields(vals)
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

    def _lexreply_check_line_fields(self, vals):
        if self.env.su or not LINE_TICKET_FIELDS & set(vals):
            return
        user = self.env.user
        if not (user.has_group("base.group_system") or user.has_group(INTEGRATION_GROUP)):
            raise AccessError(
                self.env._("Only LexReply may change the LINE account a ticket answers to.")
            )

    def write(self, vals):
        self._lexreply_check_line_fields(vals)
        check_integration_write(
            self.env,
            vals,
            lambda name: name in _BOT_WRITABLE
            and (_BOT_WRITABLE[name] is None or vals[name] in _BOT_WRITABLE[name]),
            lambda names: self.env._(
                "The LexReply integration user may only set the state 'answering' on tickets "
                "(everything else goes through lexreply_apply), not: %(fields)s",
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
                    "lexreply_attempts": 0,
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
