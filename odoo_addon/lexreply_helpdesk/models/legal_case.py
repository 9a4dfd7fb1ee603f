from odoo import fields, models


class LegalCase(models.Model):
    _inherit = "legal.case"

    lexreply_ticket_ids = fields.One2many(
        "helpdesk.ticket", "lexreply_case_id", string="Tickets"
    )
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
