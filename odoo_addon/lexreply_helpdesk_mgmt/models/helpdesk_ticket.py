from odoo import api, fields, models


class HelpdeskTicket(models.Model):
    """OCA helpdesk_mgmt ticket + the LexReply mixin (all logic lives there)."""

    _name = "helpdesk.ticket"
    _inherit = ["lexreply.ticket.mixin", "helpdesk.ticket"]
    _lexreply_team_model = "helpdesk.ticket.team"
    _lexreply_staff_groups = ("helpdesk_mgmt.group_helpdesk_user_own",)

    lexreply_open = fields.Boolean(help="The ticket is not in a closed stage.")

    @api.depends("stage_id", "stage_id.closed")
    def _compute_lexreply_open(self):
        for ticket in self:
            ticket.lexreply_open = not ticket.stage_id.closed
