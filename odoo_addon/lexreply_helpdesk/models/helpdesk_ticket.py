from odoo import api, fields, models


class HelpdeskTicket(models.Model):
    """Enterprise helpdesk ticket + the LexReply mixin (all logic lives there).

    The mixin comes first in ``_inherit`` so that its mail-gateway overrides sit
    between the helpdesk's and ``mail.thread``'s (the other order gives no
    consistent MRO)."""

    _name = "helpdesk.ticket"
    _inherit = ["lexreply.ticket.mixin", "helpdesk.ticket"]
    _lexreply_team_model = "helpdesk.team"
    _lexreply_staff_groups = ("helpdesk.group_helpdesk_user",)

    lexreply_open = fields.Boolean(help="The ticket is not in a folded (closing) stage.")

    @api.depends("stage_id", "stage_id.fold")
    def _compute_lexreply_open(self):
        # Enterprise closes a ticket by moving it to a folded stage.
        for ticket in self:
            ticket.lexreply_open = not ticket.stage_id.fold

    def _lexreply_team_leader(self):
        team = self._lexreply_team()
        if not team:
            return self.env["res.users"]
        for name in ("leader_id", "user_id"):
            if name in team._fields and team[name]:
                return team[name]
        if "member_ids" in team._fields:
            return team.member_ids[:1]
        return self.env["res.users"]
