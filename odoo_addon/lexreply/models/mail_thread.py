import logging
import re

from odoo import api, models
from odoo.exceptions import AccessError

from .integration_guard import is_restricted_integration

_logger = logging.getLogger(__name__)

AUTO_PRECEDENCE = {"bulk", "junk", "auto_reply"}


def is_auto_reply(message):
    """True for out-of-office replies and other machine-sent mail.

    Odoo 18 files those like any client email (it only drops multipart/report
    bounces), so LexReply must not answer them: RFC 3834 ``Auto-Submitted``
    (anything but ``no``), the de-facto ``X-Autoreply`` / ``X-Autorespond`` and
    ``Precedence: bulk/junk/auto_reply``.
    """
    auto_submitted = (message.get("Auto-Submitted") or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return True
    precedence = (message.get("Precedence") or "").strip().lower()
    return precedence in AUTO_PRECEDENCE


_VERDICT_RE = re.compile(r"\b(dmarc|dkim|spf)\s*=\s*([a-z]+)", re.IGNORECASE)


def authserv_id_of(header):
    """The authserv-id of one Authentication-Results value: its first token (RFC 8601)."""
    head = str(header).split(";", 1)[0].strip()
    return head.split()[0].lower() if head else ""


def sender_auth_verdict(message, authserv_id):
    """``pass``, ``fail`` or ``none`` from the firm's own receiving server's Authentication-Results.

    Only a header whose authserv-id is ``authserv_id`` (system parameter ``lexreply.authserv_id``)
    counts: any other was written by a hop the sender may control, or by the sender itself.
    Without the setting nothing counts. Of several such headers the topmost, the last added, wins.
    dmarc=fail, or dkim=fail together with spf=fail -> ``fail``; dmarc=pass -> ``pass``;
    absent or inconclusive -> ``none``.
    """
    wanted = (authserv_id or "").strip().lower()
    if not wanted:
        return "none"
    for header in message.get_all("Authentication-Results") or []:
        if authserv_id_of(header) != wanted:
            continue
        results = {}
        for method, result in _VERDICT_RE.findall(str(header)):
            results.setdefault(method.lower(), result.lower())
        if results.get("dmarc") == "fail":
            return "fail"
        if results.get("dkim") == "fail" and results.get("spf") == "fail":
            return "fail"
        if results.get("dmarc") == "pass":
            return "pass"
        return "none"
    return "none"


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        """Look at the raw headers while they are still at hand.

        The verdicts travel in the context to the ticket's ``message_new`` /
        ``message_update`` (sender authentication) and to the automation
        (auto-replies start no answer)."""
        authserv_id = self.env["ir.config_parameter"].sudo().get_param("lexreply.authserv_id")
        verdict = sender_auth_verdict(message, authserv_id)
        ctx = {"lexreply_sender_auth": verdict}
        if is_auto_reply(message):
            ctx["lexreply_skip_ask"] = True
            _logger.info(
                "LexReply: message %s from %s is an automatic reply; it is filed but not answered",
                message_dict.get("message_id"),
                message_dict.get("email_from"),
            )
        # Odoo marks a fresh alias "valid" after its first record; let that
        # bookkeeping run as superuser so the integration user (the sidecar's
        # IMAP path calls message_process over RPC) needs no right on mail.alias.
        routes = [
            (model, thread_id, custom_values, user_id, alias.sudo() if alias else alias)
            for model, thread_id, custom_values, user_id, alias in (routes or [])
        ]
        thread_id = super(MailThread, self.with_context(**ctx))._message_route_process(
            message, message_dict, routes
        )
        # The verdict belongs to this email: the answer uses its own message's verdict.
        if message_dict.get("message_id"):
            self.env["mail.message"].sudo().search(
                [("message_id", "=", message_dict["message_id"])]
            ).write({"lexreply_sender_auth": verdict})
        return thread_id

    def message_notify(self, **kwargs):
        # A direct notification mails whomever it names: the integration user may notify staff
        # (an activity's assignee), never a client.
        if is_restricted_integration(self.env):
            partners = self.env["res.partner"].sudo().browse(kwargs.get("partner_ids") or [])
            if any(partner.partner_share for partner in partners):
                raise AccessError(
                    self.env._("The LexReply integration user may not send notifications to clients.")
                )
        return super().message_notify(**kwargs)


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    @api.model_create_multi
    def create(self, vals_list):
        # The composer (mass mail mode above all) would mail around lexreply_apply's checks.
        if is_restricted_integration(self.env):
            raise AccessError(self.env._("The LexReply integration user may not use the mail composer."))
        return super().create(vals_list)
