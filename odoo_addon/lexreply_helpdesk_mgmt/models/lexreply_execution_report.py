from odoo import fields, models


class LexReplyExecutionReport(models.Model):
    """The dashboard per team: the core's SQL view selects this column once it exists."""

    _inherit = "lexreply.execution.report"

    team_id = fields.Many2one("helpdesk.ticket.team", string="Team", readonly=True)
