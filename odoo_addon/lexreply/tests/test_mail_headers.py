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
        def verdict(value, authserv_id="mx.firm.test"):
            return sender_auth_verdict(_msg(Authentication_Results=value), authserv_id)

        self.assertEqual(sender_auth_verdict(_msg(), "mx.firm.test"), "none")
        self.assertEqual(verdict("mx.firm.test; dmarc=fail (p=reject) header.from=example.com"), "fail")
        self.assertEqual(verdict("mx.firm.test; dkim=fail; spf=fail smtp.mailfrom=example.com"), "fail")
        self.assertEqual(verdict("mx.firm.test; dkim=fail; spf=pass"), "none")
        self.assertEqual(verdict("mx.firm.test; spf=pass; dkim=pass; dmarc=pass"), "pass")
        self.assertEqual(verdict("MX.Firm.Test 1; dmarc=pass"), "pass", "authserv-id case, version")
        # without the setting, nothing counts
        self.assertEqual(verdict("mx.firm.test; dmarc=pass", authserv_id=""), "none")

    def test_forged_authentication_results_count_as_none(self):
        # the sender wrote a passing header with another authserv-id: ignored
        self.assertEqual(
            sender_auth_verdict(_msg(Authentication_Results="attacker.example; dmarc=pass"), "mx.firm.test"),
            "none",
        )
        # a forged header on top does not hide our server's verdict below it
        headers = ["forged.example; dmarc=pass", "mx.firm.test; dmarc=fail"]
        self.assertEqual(
            sender_auth_verdict(_msg(Authentication_Results=headers), "mx.firm.test"), "fail"
        )
        # a header whose id merely contains ours does not count
        self.assertEqual(
            sender_auth_verdict(
                _msg(Authentication_Results="mx.firm.test.attacker.example; dmarc=pass"), "mx.firm.test"
            ),
            "none",
        )
