from email.message import EmailMessage

from odoo.tests import BaseCase, tagged

from odoo.addons.lexreply.models.mail_thread import is_auto_reply, sender_auth_verdict


def _msg(**headers):
    message = EmailMessage()
    for name, value in headers.items():
        if isinstance(value, list):
            for item in value:
                message[name.replace("_", "-")] = item
        else:
            message[name.replace("_", "-")] = value
    return message


@tagged("post_install", "-at_install")
class TestMailHeaders(BaseCase):
    def test_auto_reply_headers(self):
        self.assertTrue(is_auto_reply(_msg(Auto_Submitted="auto-replied")))
        self.assertTrue(is_auto_reply(_msg(Auto_Submitted="auto-generated")))
        self.assertFalse(is_auto_reply(_msg(Auto_Submitted="no")))
        self.assertTrue(is_auto_reply(_msg(X_Autoreply="yes")))
        self.assertTrue(is_auto_reply(_msg(X_Autorespond="Out of office")))
        for value in ("bulk", "junk", "auto_reply", "Bulk"):
            self.assertTrue(is_auto_reply(_msg(Precedence=value)), value)
        self.assertFalse(is_auto_reply(_msg(Precedence="list")))
        self.assertFalse(is_auto_reply(_msg(Subject="Out of office")))

    def test_sender_auth_verdict(self):
        ar = "Authentication-Results"
        self.assertEqual(sender_auth_verdict(_msg()), "none")
        self.assertEqual(
            sender_auth_verdict(_msg(**{ar.replace("-", "_"): "mx.firm.test; dmarc=fail (p=reject) header.from=example.com"})),
            "fail",
        )
        self.assertEqual(
            sender_auth_verdict(_msg(**{ar.replace("-", "_"): "mx.firm.test; dkim=fail; spf=fail smtp.mailfrom=example.com"})),
            "fail",
        )
        self.assertEqual(
            sender_auth_verdict(_msg(**{ar.replace("-", "_"): "mx.firm.test; dkim=fail; spf=pass"})),
            "none",
        )
        self.assertEqual(
            sender_auth_verdict(_msg(**{ar.replace("-", "_"): "mx.firm.test; spf=pass; dkim=pass; dmarc=pass"})),
            "pass",
        )
        # only the topmost header (our own receiving server) counts
        self.assertEqual(
            sender_auth_verdict(
                _msg(**{ar.replace("-", "_"): ["mx.firm.test; dmarc=fail", "forged.example; dmarc=pass"]})
            ),
            "fail",
        )
