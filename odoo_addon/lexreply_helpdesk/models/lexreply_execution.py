from odoo import fields, models


class LexReplyExecution(models.Model):
    _inherit = "lexreply.execution"

    ticket_id = fields.Many2one(
        "helpdesk.ticket", string="Ticket", readonly=True, index=True, ondelete="cascade"
    )
    team_id = fields.Many2one("helpdesk.team", string="Team", readonly=True, index=True)

    _sql_constraints = [
        (
            "lexreply_answer_once",
            "unique(ticket_id, message_id)",
            "This question was already answered.",
        ),
    ]
