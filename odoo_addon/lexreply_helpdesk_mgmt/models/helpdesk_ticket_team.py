from odoo import models


class HelpdeskTicketTeam(models.Model):
    """``lexreply_enabled`` and ``lexreply_policy`` come from the core's mixin."""

    _name = "helpdesk.ticket.team"
    _inherit = ["helpdesk.ticket.team", "lexreply.team.mixin"]
