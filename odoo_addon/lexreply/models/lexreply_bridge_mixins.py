"""What both helpdesk bridges put on their team model and on ``legal.case``.

The bridges (``lexreply_helpdesk_mgmt`` for OCA, ``lexreply_helpdesk`` for
Enterprise) inherit these and add only what differs: the team model's name and
the ``lexreply_ticket_ids`` One2many, whose comodel ``helpdesk.ticket`` exists
only once a helpdesk app is installed.
"""

from odoo import fields, models

from .lexreply_ticket_mixin import POLICIES


class LexReplyTeamMixin(models.AbstractModel):
    """LexReply settings of a helpdesk team (``helpdesk.team`` in Enterprise,
    ``helpdesk.ticket.team`` in OCA)."""

    _name = "lexreply.team.mixin"
    _description = "LexReply team settings"

    lexreply_enabled = fields.Boolean(
        string="LexReply answers",
        default=False,
        help="Ask LexReply to answer the clients' messages on this team's tickets. "
        "Off by default: switch it on for the teams that serve clients.",
    )
    lexreply_policy = fields.Selection(
        POLICIES,
        string="Answer policy",
        help="How LexReply's answers go out for this team. Empty: the default "
        "policy of the LexReply settings.",
    )


class LexReplyCaseTicketsMixin(models.AbstractModel):
    """The tickets of a matter (inherited into ``legal.case`` by a bridge, which
    also adds ``lexreply_ticket_ids``). ``helpdesk.ticket`` is named only at run
    time, so the core installs without a helpdesk."""

    _name = "lexreply.case.tickets.mixin"
    _description = "LexReply tickets of a matter"

    lexreply_ticket_count = fields.Integer(
        compute="_compute_lexreply_ticket_count", string="Ticket count"
    )

    def _compute_lexreply_ticket_count(self):
        Ticket = self.env["helpdesk.ticket"]
        if not Ticket.has_access("read"):
            self.lexreply_ticket_count = 0
            return
        counts = dict(
            Ticket._read_group(
                [("lexreply_case_id", "in", self.ids)], ["lexreply_case_id"], ["__count"]
            )
        )
        for case in self:
            case.lexreply_ticket_count = counts.get(case, 0)

    def action_lexreply_view_tickets(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Tickets"),
            "res_model": "helpdesk.ticket",
            "view_mode": "list,form",
            "domain": [("lexreply_case_id", "=", self.id)],
            "context": {
                "default_lexreply_case_id": self.id,
                "default_partner_id": self.partner_id.id,
            },
        }
