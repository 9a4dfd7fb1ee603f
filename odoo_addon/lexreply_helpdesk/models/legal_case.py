from odoo import fields, models


class LegalCase(models.Model):
    """The ticket count and the Tickets button come from the core's mixin; the
    One2many stays here: its comodel exists only with a helpdesk."""

    _name = "legal.case"
    _inherit = ["legal.case", "lexreply.case.tickets.mixin"]

    lexreply_ticket_ids = fields.One2many(
        "helpdesk.ticket", "lexreply_case_id", string="Tickets"
    )
