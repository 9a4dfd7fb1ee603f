import logging

import requests

from odoo import fields, models
from odoo.exceptions import AccessError

from . import sidecar
from .lexreply_ticket_mixin import POLICIES

_logger = logging.getLogger(__name__)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    lexreply_sidecar_url = fields.Char(
        string="Sidecar URL",
        config_parameter="lexreply.sidecar_url",
        help="Origin of the LexReply sidecar, e.g. http://lexreply:3000 "
        "(LexReply appends /ask, /line/deliver and /healthz).",
    )
    lexreply_ask_secret = fields.Char(
        string="Shared secret",
        config_parameter="lexreply.ask_secret",
        help="ASK_SECRET of the sidecar: signs every call from Odoo to the sidecar.",
    )
    lexreply_default_policy = fields.Selection(
        POLICIES,
        string="Default answer policy",
        config_parameter="lexreply.default_policy",
        help="Used for tickets whose team sets no policy, and for tickets without team.",
    )

    lexreply_authserv_id = fields.Char(
        string="Receiving server (authserv-id)",
        config_parameter="lexreply.authserv_id",
        help="The authserv-id your own receiving mail server writes in Authentication-Results "
        "(e.g. mx.firm.example). Only that server's verdict counts; empty: every sender counts "
        "as unverified.",
    )
    lexreply_answer_timeout_seconds = fields.Integer(
        string="Answer timeout (seconds)",
        config_parameter="lexreply.answer_timeout_seconds",
        default=90,
        help="A ticket pending or answering for longer is asked again (3 times, then a person "
        "gets an activity). Keep it above the sidecar's LLM_TIMEOUT_MS (30 s by default) plus a "
        "margin: 90 s matches the default.",
    )
    lexreply_autoreply_cap = fields.Integer(
        string="Automatic replies per address and hour",
        config_parameter="lexreply.autoreply_cap",
        default=3,
        help="Beyond this, LexReply mails nothing more to that address this hour and asks a "
        "person once (mail loop guard).",
    )

    def _lexreply_notify(self, title, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": kind != "success",
            },
        }

    def action_lexreply_test_connection(self):
        """GET <sidecar_url>/healthz and say what happened."""
        self.ensure_one()
        url = (
            self.lexreply_sidecar_url
            or self.env["ir.config_parameter"].sudo().get_param("lexreply.sidecar_url")
            or ""
        ).strip()
        title = self.env._("LexReply sidecar")
        if not url:
            return self._lexreply_notify(
                title, self.env._("Set the sidecar URL first."), "warning"
            )
        target = sidecar.join_url(url, "/healthz")
        try:
            response = requests.get(target, timeout=sidecar.HEALTH_TIMEOUT)
        except Exception as exc:
            reason = sidecar.describe_error(exc)
            _logger.info("LexReply: test connection to %s failed: %s", target, reason)
            return self._lexreply_notify(
                title,
                self.env._(
                    "Could not reach the sidecar at %(url)s: %(reason)s", url=url, reason=reason
                ),
                "danger",
            )
        if 200 <= response.status_code < 300:
            return self._lexreply_notify(
                title,
                self.env._(
                    "The sidecar at %(url)s answered (HTTP %(status)s).",
                    url=url,
                    status=response.status_code,
                ),
                "success",
            )
        return self._lexreply_notify(
            title,
            self.env._(
                "The sidecar at %(url)s answered HTTP %(status)s on /healthz.",
                url=url,
                status=response.status_code,
            ),
            "danger",
        )

    def action_lexreply_generate_bot_key(self):
        """Make a new API key for the lexreply-bot user, revoke the older ones,
        and show the new key once. Administrators only."""
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators may create the LexReply API key."))
        bot = self.env.ref("lexreply.user_lexreply_bot").sudo()
        Keys = self.env["res.users.apikeys"].sudo()
        old = Keys.search([("user_id", "=", bot.id)])
        if old:
            old._remove()
        key = Keys.with_user(bot).sudo()._generate(None, "LexReply sidecar", None)
        _logger.info(
            "LexReply: %s created a new API key for %s (%s older key(s) revoked)",
            self.env.user.login,
            bot.login,
            len(old),
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("LexReply API key"),
            "res_model": "lexreply.bot.key.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_key": key, "default_login": bot.login},
        }
