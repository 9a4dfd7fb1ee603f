from odoo import fields, models

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
