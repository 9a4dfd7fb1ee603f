from odoo import models


class HelpdeskTeam(models.Model):
    """``lexreply_enabled`` and ``lexreply_policy`` come from the core's mixin."""

    _name = "helpdesk.team"
    _inherit = ["helpdesk.team", "lexreply.team.mixin"]
