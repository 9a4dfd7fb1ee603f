import hashlib
import hmac
import json
import re
import time
from unittest.mock import Mock, patch

from odoo.tests import TransactionCase, new_test_user

from odoo.addons.lexreply.models import sidecar

SECRET = "test-ask-secret"
SIG_RE = re.compile(r"^t=(\d+),v1=([0-9a-f]{64})$")


class LexReplyTicketCase(TransactionCase):
    """Fixtures and helpers shared by the bridge's tests: a team with an alias, a client with
    a matter and its paralegal, the integration user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("lexreply.sidecar_url", "http://127.0.0.1:9")
        params.set_param("lexreply.ask_secret", SECRET)
        params.set_param("lexreply.default_policy", "review")
        cls.alias_domain = cls.env["mail.alias.domain"].search([], limit=1) or cls.env[
            "mail.alias.domain"
        ].create({"name": "lexreply.test"})
        cls.env.company.alias_domain_id = cls.alias_domain
        cls.bot = cls.env.ref("lexreply.user_lexreply_bot")
        cls.leader = new_test_user(
            cls.env, login="qa.leader", groups="helpdesk_mgmt.group_helpdesk_user", name="QA Leader"
        )
        cls.paralegal = new_test_user(
            cls.env,
            login="qa.paralegal",
            groups="base.group_user,lexreply.group_lexreply_paralegal",
            name="QA Paralegal",
        )
        cls.team = cls.env["helpdesk.ticket.team"].create(
            {
                "name": "QA Desk",
                "alias_name": "lexreply-qa",
                "alias_domain_id": cls.alias_domain.id,
                "alias_contact": "everyone",
                "user_id": cls.leader.id,
                "lexreply_enabled": True,
                "lexreply_policy": "auto",
            }
        )
        cls.team_off = cls.env["helpdesk.ticket.team"].create(
            {"name": "Internal IT", "alias_name": "lexreply-qa-off", "lexreply_enabled": False}
        )
        cls.alias_email = "lexreply-qa@%s" % cls.alias_domain.name
        cls.client = cls.env["res.partner"].create(
            {"name": "王小明 QA", "email": "client.qa@example.com"}
        )
        cls.case = cls.env["legal.case"].create(
            {
                "name": "Custody QA",
                "partner_id": cls.client.id,
                "case_type": "family",
                "paralegal_id": cls.paralegal.id,
            }
        )
        cls.Ticket = cls.env["helpdesk.ticket"]

    def setUp(self):
        super().setUp()
        self.env.cr.postcommit.clear()
        self._msgid = 0

    # ------------------------------------------------------------------ helpers

    def _ticket(self, **vals):
        return self.Ticket.create(
            dict(
                {
                    "name": "How is my case going?",
                    "description": "<p>Hello</p>",
                    "team_id": self.team.id,
                    "partner_id": self.client.id,
                    "partner_email": self.client.email,
                },
                **vals,
            )
        )

    def _run_postcommit(self, status=202, side_effect=None, names=("_send_ask",)):
        """Run the post-commit hooks LexReply registered, with requests.post patched.
        (Odoo's test cursor never commits; the hooks are what a commit would run.)"""
        funcs = [f for f in self.env.cr.postcommit._funcs if getattr(f, "__name__", "") in names]
        self.env.cr.postcommit.clear()
        response = Mock(status_code=status, text="")
        with patch.object(sidecar.requests, "post", return_value=response, side_effect=side_effect) as post:
            for func in funcs:
                func()
        return post

    def _assert_signed(self, headers, body):
        match = SIG_RE.match(headers["X-LexReply-Signature"])
        self.assertTrue(match, headers["X-LexReply-Signature"])
        t = int(match.group(1))
        self.assertLess(abs(time.time() - t), 300)
        expected = hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        self.assertEqual(match.group(2), expected)

    def _assert_one_ask(self, post, ticket, message):
        self.assertEqual(post.call_count, 1, post.call_args_list)
        args, kwargs = post.call_args
        self.assertEqual(args[0], "http://127.0.0.1:9/ask")
        body = kwargs["data"]
        self.assertEqual(
            body,
            json.dumps(
                {"ticket_id": ticket.id, "message_id": message.id, "db": self.env.cr.dbname},
                separators=(",", ":"),
            ).encode(),
        )
        self.assertLessEqual(kwargs["timeout"], 2)
        self.assertEqual(kwargs["headers"]["Content-Type"], "application/json")
        self._assert_signed(kwargs["headers"], body)

    def _raw_mail(self, sender, subject="Case status", body="How is my case going?", headers=None, to=None):
        self._msgid += 1
        msgid = "<qa-%s-%s@example.com>" % (self._msgid, time.time_ns())
        lines = [
            "From: %s" % sender,
            "To: %s" % (to or self.alias_email),
            "Subject: %s" % subject,
            "Message-ID: %s" % msgid,
            "Date: Sat, 28 Nov 2026 10:00:00 +0000",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        for name, value in (headers or {}).items():
            lines.append("%s: %s" % (name, value))
        return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode("utf-8"), msgid

    def _process(self, raw, user=None):
        env = self.env if user is None else self.env(user=user)
        return env["mail.thread"].message_process("helpdesk.ticket", raw)

