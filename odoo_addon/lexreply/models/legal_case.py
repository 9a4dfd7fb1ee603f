from odoo import api, fields, models

CASE_TYPES = [
    ("family", "Family"),
    ("civil", "Civil"),
    ("criminal", "Criminal"),
    ("commercial", "Commercial"),
    ("contract_review", "Contract review"),
    ("labor", "Labor"),
    ("ip", "Intellectual property"),
    ("administrative", "Administrative"),
    ("other", "Other"),
]

# Code used in the matter number (2026-FAM-0012); one ir.sequence per type.
CASE_TYPE_CODES = {
    "family": "FAM",
    "civil": "CIV",
    "criminal": "CRM",
    "commercial": "COM",
    "contract_review": "CTR",
    "labor": "LAB",
    "ip": "IPR",
    "administrative": "ADM",
    "other": "OTH",
}

CASE_STATES = [
    ("intake", "Intake"),
    ("in_progress", "In progress"),
    ("waiting_court", "Waiting for the court"),
    ("hearing_scheduled", "Hearing scheduled"),
    ("settled", "Settled"),
    ("closed", "Closed"),
]

STAFF_GROUPS = "lexreply.group_lexreply_paralegal,lexreply.group_lexreply_lawyer"


class LegalCase(models.Model):
    _name = "legal.case"
    _description = "Matter"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "next_event_date asc, id desc"
    _rec_names_search = ["number", "name"]

    name = fields.Char(string="Title", required=True, tracking=True)
    number = fields.Char(
        string="Matter number",
        required=True,
        readonly=True,
        copy=False,
        default="/",
        index=True,
        help="Given on creation from the case type's sequence, e.g. 2026-FAM-0012.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
    )
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Client company",
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
    )
    case_type = fields.Selection(
        CASE_TYPES, string="Case type", required=True, default="civil", tracking=True
    )
    state = fields.Selection(
        CASE_STATES,
        string="Status",
        required=True,
        default="intake",
        tracking=True,
        group_expand="_group_expand_states",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Lawyer",
        tracking=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
    )
    paralegal_id = fields.Many2one(
        "res.users",
        string="Paralegal",
        tracking=True,
        domain=[("share", "=", False)],
    )
    court = fields.Char()
    next_event_date = fields.Date(string="Next event date", tracking=True)
    next_event = fields.Char(
        string="Next event",
        tracking=True,
        help="Short text that may carry the time, e.g. 下午 2:30 言詞辯論.",
    )
    client_summary = fields.Text(
        string="Client summary",
        help="What the client may be told about this matter. Shared with the client.",
    )
    update_ids = fields.One2many("legal.case.update", "case_id", string="Updates")
    update_count = fields.Integer(compute="_compute_update_count", string="Update count")
    internal_note = fields.Html(
        string="Internal note",
        groups=STAFF_GROUPS,
        help="Never shared with the client; the integration user cannot read it.",
    )
    active = fields.Boolean(default=True)
    color = fields.Integer(string="Color")
    closed_date = fields.Date(string="Closed on", copy=False)

    _sql_constraints = [
        ("number_uniq", "unique(number)", "A matter number must be unique."),
    ]

    @api.model
    def _group_expand_states(self, states, domain):
        return [key for key, _label in CASE_STATES]

    @api.depends("update_ids")
    def _compute_update_count(self):
        for case in self:
            case.update_count = len(case.update_ids)

    @api.depends("number", "name")
    def _compute_display_name(self):
        for case in self:
            case.display_name = (
                f"{case.number} {case.name}" if case.number and case.number != "/" else case.name
            )

    @api.model
    def _next_number(self, case_type):
        """Next number from the case type's yearly sequence: 2026-FAM-0012."""
        case_type = case_type if case_type in CASE_TYPE_CODES else "other"
        seq_code = f"legal.case.{case_type}"
        Sequence = self.env["ir.sequence"].sudo()
        sequence = Sequence.search([("code", "=", seq_code)], limit=1)
        if not sequence:  # deleted by hand: recreate it rather than fail
            sequence = Sequence.create(
                {
                    "name": f"Matter number ({case_type})",
                    "code": seq_code,
                    "prefix": f"%(range_year)s-{CASE_TYPE_CODES[case_type]}-",
                    "padding": 4,
                    "use_date_range": True,
                    "company_id": False,
                }
            )
        return sequence.next_by_id()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("number") or vals.get("number") == "/":
                vals["number"] = self._next_number(vals.get("case_type") or "civil")
            if vals.get("state") == "closed" and not vals.get("closed_date"):
                vals["closed_date"] = fields.Date.context_today(self)
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("state") == "closed" and "closed_date" not in vals:
            vals = dict(vals, closed_date=fields.Date.context_today(self))
        elif vals.get("state") and vals["state"] != "closed":
            vals = dict(vals, closed_date=False)
        return super().write(vals)

    def action_view_updates(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Updates"),
            "res_model": "legal.case.update",
            "view_mode": "list,form",
            "domain": [("case_id", "=", self.id)],
            "context": {"default_case_id": self.id},
        }
