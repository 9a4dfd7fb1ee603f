from odoo import fields, models

from odoo.addons.lexreply.models.lexreply_ticket_mixin import POLICIES


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

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
