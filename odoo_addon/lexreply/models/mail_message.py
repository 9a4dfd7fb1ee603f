from odoo import api, fields, models
from odoo.exceptions import AccessError

# Set only by LexReply itself, as superuser: nobody forges a verdict or claims a LINE event.
PROTECTED_FIELDS = {"lexreply_sender_auth", "lexreply_line_event_id"}

SENDER_AUTH = [("pass", "Passed"), ("fail", "Failed"), ("none", "Unknown")]


class MailMessage(models.Model):
    _inherit = "mail.message"

    lexreply_sender_auth = fields.Selection(
        SENDER_AUTH,
        string="Sender authentication",
        copy=False,
        help="The verdict of the firm's own receiving server (Authentication-Results with the "
        "authserv-id of the LexReply settings) on this email; empty for other messages.",
    )
    lexreply_line_event_id = fields.Char(
        string="LINE webhook event",
        copy=False,
        index="btree_not_null",
        help="The LINE webhookEventId this message came from: a redelivered event is posted once.",
    )

    _sql_constraints = [
        (
            "lexreply_line_event_id_uniq",
            "unique(lexreply_line_event_id)",
            "This LINE event was already posted.",
        ),
    ]

    def _lexreply_check_protected(self, names):
        if not self.env.su and PROTECTED_FIELDS & set(names):
            raise AccessError(self.env._("Only LexReply sets a message's verdict and LINE event."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._lexreply_check_protected(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._lexreply_check_protected(vals)
        return super().write(vals)
