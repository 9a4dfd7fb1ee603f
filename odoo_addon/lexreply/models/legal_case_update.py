from odoo import fields, models


class LegalCaseUpdate(models.Model):
    _name = "legal.case.update"
    _description = "Matter update"
    _order = "date desc, id desc"
    _rec_name = "summary"

    case_id = fields.Many2one(
        "legal.case", string="Matter", required=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(related="case_id.partner_id", store=True, string="Client")
    date = fields.Date(required=True, default=fields.Date.context_today)
    summary = fields.Text(required=True)
    client_visible = fields.Boolean(
        string="Visible to the client",
        default=False,
        help="Only updates marked visible to the client ever leave Odoo.",
    )
    user_id = fields.Many2one(
        "res.users", string="Written by", default=lambda self: self.env.user, readonly=True
    )
