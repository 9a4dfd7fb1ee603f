"""LINE intake in one round trip, relinking, and the sender-authentication verdict per message."""

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import LexReplyTicketCase


@tagged("post_install", "-at_install")
class TestLexReplyLineIntake(LexReplyTicketCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("lexreply.line_team_id", str(cls.team.id))
        cls.client.lexreply_line_user_id = "Uqa-intake"

    def _intake(self, event_id, text="案子進度？", line_user_id="Uqa-intake", **extra):
        event = dict({"webhook_event_id": event_id, "line_user_id": line_user_id, "text": text}, **extra)
        return self.Ticket.with_user(self.bot).lexreply_line_intake(event)

    def test_intake_twice_is_one_message_one_ticket(self):
        first = self._intake("ev-1")
        self.assertFalse(first["duplicate"])
        self.assertEqual(first["partner_id"], self.client.id)
        self.assertEqual(first["partner_lang"], self.client.lang)
        ticket = self.Ticket.browse(first["ticket_id"])
        message = self.env["mail.message"].browse(first["message_id"])
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual((ticket.lexreply_channel, ticket.lexreply_line_user_id), ("line", "Uqa-intake"))
        self.assertEqual(message.author_id, self.client)
        self.assertEqual(message.lexreply_line_event_id, "ev-1")
        self.assertEqual(ticket.lexreply_state, "pending", "the client's message fires the automation")
        self._assert_one_ask(self._run_postcommit(), ticket, message)
        again = self._intake("ev-1")
        self.assertEqual(again, dict(first, duplicate=True))
        self.assertFalse(self._run_postcommit().called)
        second = self._intake("ev-2", text="還有問題")
        self.assertEqual(second["ticket_id"], ticket.id, "the open ticket, not a new one")
        self.assertEqual(
            self.Ticket.search_count([("partner_id", "=", self.client.id), ("lexreply_channel", "=", "line")]), 1
        )

    def test_intake_note_and_unknown_user(self):
        note = self._intake("ev-sticker", text="", as_note=True, note="(sticker)")
        message = self.env["mail.message"].browse(note["message_id"])
        self.assertTrue(message.subtype_id.internal)
        self.assertFalse(self._run_postcommit().called, "a note asks nothing")
        self.assertEqual(
            self._intake("ev-x", line_user_id="Unobody"),
            {"ticket_id": False, "message_id": False, "partner_id": False, "partner_lang": False, "duplicate": False},
        )
        with self.assertRaises(UserError):
            self._intake("", text="x")
        with self.assertRaises(UserError):
            self.Ticket.with_user(self.bot).lexreply_line_intake({"webhook_event_id": "e", "line_user_id": "U", "text": "x", "ticket_id": 1})

    def test_intake_only_for_the_integration_user(self):
        with self.assertRaises(AccessError):
            self.Ticket.with_user(self.paralegal).lexreply_line_intake(
                {"webhook_event_id": "ev-p", "line_user_id": "Uqa-intake", "text": "x"}
            )

    def test_relink_detaches_the_old_tickets(self):
        """Issue 17: a LINE account moves from client A to client B."""
        old = self.Ticket.browse(self._intake("ev-a1")["ticket_id"])
        self.client.with_user(self.bot).write({"lexreply_line_user_id": False})
        self.assertFalse(old.lexreply_line_user_id, "unlinking detaches the open ticket")
        self.assertIn("LINE account changed", str(old.message_ids[0].body))
        other = self.env["res.partner"].create({"name": "B QA", "email": "b.qa@example.com"})
        other.with_user(self.bot).write({"lexreply_line_user_id": "Uqa-intake"})
        result = self._intake("ev-b1", text="I am B")
        self.assertEqual(result["partner_id"], other.id)
        self.assertNotEqual(result["ticket_id"], old.id, "B never lands on A's ticket")
        self.assertNotIn("I am B", " ".join(old.message_ids.mapped("body")))
        # A relinks a new account: his next message opens a new ticket too
        self.client.with_user(self.bot).write({"lexreply_line_user_id": "Uqa-intake-2"})
        again = self._intake("ev-a2", line_user_id="Uqa-intake-2")
        self.assertNotIn(again["ticket_id"], (old.id, result["ticket_id"]))


@tagged("post_install", "-at_install")
class TestLexReplySenderAuth(LexReplyTicketCase):
    def test_verdict_per_message_and_forged_header(self):
        self.env["ir.config_parameter"].sudo().set_param("lexreply.authserv_id", "mx.firm.test")
        raw, msgid = self._raw_mail(
            "client.qa@example.com", headers={"Authentication-Results": "mx.firm.test; dmarc=fail header.from=example.com"}
        )
        ticket = self.Ticket.browse(self._process(raw))
        first = self.env["mail.message"].search([("message_id", "=", msgid)])
        # the sender writes his own passing header: it is not the firm's server's
        raw2, msgid2 = self._raw_mail(
            "client.qa@example.com",
            headers={"In-Reply-To": msgid, "Authentication-Results": "mail.attacker.example; dmarc=pass"},
        )
        self._process(raw2)
        second = self.env["mail.message"].search([("message_id", "=", msgid2)])
        self.assertEqual(first.lexreply_sender_auth, "fail")
        self.assertEqual(second.lexreply_sender_auth, "none")
        self.assertEqual(ticket.lexreply_sender_auth, "none", "the ticket shows the latest email's verdict")
        [row] = second.with_user(self.bot).read(["lexreply_sender_auth"])
        self.assertEqual(row["lexreply_sender_auth"], "none")
        [row] = first.with_user(self.bot).read(["lexreply_sender_auth"])
        self.assertEqual(row["lexreply_sender_auth"], "fail", "the integration user reads it on the message")


@tagged("post_install", "-at_install")
class TestLexReplyLineIntakeConcurrency(TransactionCase):
    """Two events of one user at the same moment, in two real transactions: one ticket."""

    def _event(self, event_id):
        return {"webhook_event_id": event_id, "line_user_id": "Uqa-concurrent", "text": "進度？"}

    def test_two_events_at_once_make_one_ticket(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner_id = env["res.partner"].create(
                {"name": "Concurrent QA", "lexreply_line_user_id": "Uqa-concurrent"}
            ).id
            bot_id = env.ref("lexreply.user_lexreply_bot").id
        try:
            with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b, mute_logger(
                "odoo.addons.lexreply.models.lexreply_ticket_mixin"  # no sidecar URL in this database
            ):
                env_a = api.Environment(cr_a, bot_id, {})
                env_b = api.Environment(cr_b, bot_id, {})
                # A's snapshot starts before B commits, as two concurrent RPC calls would.
                env_a["res.partner"].browse(partner_id).read(["name"])
                first = env_b["helpdesk.ticket"].lexreply_line_intake(self._event("ev-b"))
                cr_b.commit()
                with self.assertRaises(psycopg2.errors.SerializationFailure), mute_logger("odoo.sql_db"):
                    env_a["helpdesk.ticket"].lexreply_line_intake(self._event("ev-a"))
                cr_a.rollback()
                # Odoo retries a call that failed to serialise; with a fresh snapshot A finds B's ticket.
                env_a.invalidate_all()
                second = env_a["helpdesk.ticket"].lexreply_line_intake(self._event("ev-a"))
                cr_a.commit()
            self.assertTrue(first["ticket_id"])
            self.assertEqual(second["ticket_id"], first["ticket_id"])
            self.assertNotEqual(second["message_id"], first["message_id"])
        finally:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["helpdesk.ticket"].with_context(active_test=False).search(
                    [("partner_id", "=", partner_id)]
                ).unlink()
                env["res.partner"].browse(partner_id).unlink()
