from odoo import fields, models


class LexReplyBotKeyWizard(models.TransientModel):
    """Shows the freshly made API key of the integration user once.

    The key only travels in the action's context (``default_key``), like
    Odoo's own "API Key Ready" dialog: it is never stored in clear."""

    _name = "lexreply.bot.key.wizard"
    _description = "LexReply API key (shown once)"

    key = fields.Char(string="API key", readonly=True)
    login = fields.Char(string="Login", readonly=True)
