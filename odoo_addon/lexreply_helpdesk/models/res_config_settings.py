from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    lexreply_line_team_id = fields.Many2one(
        "helpdesk.team",
        string="Team for LINE tickets",
        config_parameter="lexreply.line_team_id",
        help="New LINE tickets go to this team; empty: the first team with LexReply enabled.",
    )
