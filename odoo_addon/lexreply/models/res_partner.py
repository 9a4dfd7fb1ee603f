from odoo import api, fields, models
from odoo.exceptions import AccessError

from .integration_guard import INTEGRATION_GROUP, check_integration_write

LINE_FIELDS = {"lexreply_line_user_id", "lexreply_line_verified_at"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    lexreply_line_user_id = fields.Char(
        string="LINE user ID",
        copy=False,
        index=True,
        readonly=True,
        help="Set by LexReply when the client completes the LINE linking flow.",
    )
    lexreply_line_verified_at = fields.Datetime(
        string="LINE linked on", copy=False, readonly=True
    )
    lexreply_case_ids = fields.One2many("legal.case", "partner_id", string="Matters")
    lexreply_email_shared = fields.Boolean(
        compute="_compute_lexreply_email_shared",
        compute_sudo=True,
        string="E-mail shared with another contact",
        help="Another contact has the same e-mail address, so a mail from it cannot tell who wrote: "
        "LexReply treats such a sender as unknown and discloses nothing.",
    )
    lexreply_case_count = fields.Integer(
        compute="_compute_lexreply_case_count", string="Matter count"
    )

    _sql_constraints = [
        (
            "lexreply_line_user_id_uniq",
            "unique(lexreply_line_user_id)",
            "This LINE account is already linked to another contact.",
        ),
    ]

    @api.depends("email_normalized")
    def _compute_lexreply_email_shared(self):
        # Computed as superuser: the integration user's record rules must not hide the other owner.
        emails = [e for e in set(self.mapped("email_normalized")) if e]
        counts = dict(
            self.env["res.partner"]._read_group(
                [("email_normalized", "in", emails)], ["email_normalized"], ["__count"]
            )
        ) if emails else {}
        for partner in self:
            partner.lexreply_email_shared = counts.get(partner.email_normalized, 0) > 1

    def _compute_lexreply_case_count(self):
        Case = self.env["legal.case"]
        if not Case.has_access("read"):
            self.lexreply_case_count = 0
            return
        for partner in self:
            partner.lexreply_case_count = Case.search_count(
                [("partner_id", "child_of", partner.commercial_partner_id.id)]
            )

    def _lexreply_may_write_line_fields(self):
        return (
            self.env.su
            or self.env.user.has_group("base.group_system")
            or self.env.user.has_group(INTEGRATION_GROUP)
        )

    def _lexreply_check_write(self, vals):
        if self.env.su:
            return
        if LINE_FIELDS & set(vals) and not self._lexreply_may_write_line_fields():
            raise AccessError(
                self.env._("Only LexReply may change the LINE identity of a contact.")
            )
        check_integration_write(
            self.env,
            vals,
            LINE_FIELDS.__contains__,
            lambda names: self.env._(
                "The LexReply integration user may only write the LINE fields "
                "of a contact, not: %(fields)s",
                fields=names,
            ),
        )

    @api.model_create_multi
    def create(self, vals_list):
        # Import goes through create (and write) too: a file cannot set a LINE identity either.
        for vals in vals_list:
            if not self.env.su and LINE_FIELDS & {k for k, v in vals.items() if v}:
                if not self._lexreply_may_write_line_fields():
                    raise AccessError(
                        self.env._("Only LexReply may change the LINE identity of a contact.")
                    )
        return super().create(vals_list)

    def write(self, vals):
        self._lexreply_check_write(vals)
        relinked = self.browse()
        if "lexreply_line_user_id" in vals:
            relinked = self.filtered(
                lambda p: p.lexreply_line_user_id
                and p.lexreply_line_user_id != (vals["lexreply_line_user_id"] or False)
            )
            old_ids = {p.id: p.lexreply_line_user_id for p in relinked}
        result = super().write(vals)
        if relinked:
            self._lexreply_detach_line_tickets(relinked, old_ids)
        return result

    def _lexreply_detach_line_tickets(self, partners, old_ids):
        """A new LINE account never lands on the old account's open tickets, and an answer
        never goes to an account the client has left."""
        if "helpdesk.ticket" not in self.env:
            return
        Ticket = self.env["helpdesk.ticket"].sudo()
        for partner in partners:
            tickets = Ticket.search(
                [
                    ("lexreply_channel", "=", "line"),
                    ("partner_id", "=", partner.id),
                    ("lexreply_line_user_id", "=", old_ids[partner.id]),
                    ("lexreply_open", "=", True),
                ]
            )
            tickets._lexreply_detach_line(
                self.env._(
                    "The client's LINE account changed: this ticket no longer answers on LINE; "
                    "new LINE messages open a new ticket."
                )
            )

    def action_lexreply_view_cases(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Matters"),
            "res_model": "legal.case",
            "view_mode": "list,kanban,form",
            "domain": [("partner_id", "child_of", self.commercial_partner_id.id)],
            "context": {"default_partner_id": self.id},
        }
