"""Who may press the review buttons, the LINE approval, and the re-send cron."""

import json
from datetime import timedelta
from unittest.mock import Mock, patch

import requests

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.lexreply.models import sidecar

from .common import LexReplyTicketCase

BUTTONS = ("action_lexreply_approve", "action_lexreply_regenerate", "action_lexreply_take_over")


class ReviewFixtures:
    def _held_ticket(self, **vals):
        ticket = self._ticket(**vals)
        message = ticket.message_post(
            body="進度？", author_id=self.client.id, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self._run_postcommit()
        ticket.write(
            {
                "lexreply_state": "draft",
                "lexreply_draft": "您的案件已排定開庭。",
                "lexreply_case_id": self.case.id,
                "lexreply_last_message_id": message.id,
            }
        )
        return ticket

    def _state(self, ticket):
        ticket.invalidate_recordset()
        return (
            ticket.lexreply_state,
            ticket.lexreply_taken_over,
            ticket.lexreply_approved_at,
            len(ticket.message_ids),
            self.env["mail.mail"].sudo().search_count([("model", "=", ticket._name), ("res_id", "=", ticket.id)]),
        )


@tagged("post_install", "-at_install")
class TestLexReplyReview(ReviewFixtures, LexReplyTicketCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, login="qa.portal", groups="base.group_portal", name="QA Portal")
        cls.staff = new_test_user(cls.env, login="qa.staff", groups="base.group_user", name="QA Staff")

    def test_buttons_refused_to_everyone_but_helpdesk_users(self):
        ticket = self._held_ticket(partner_id=self.portal.partner_id.id)
        ticket.message_subscribe(partner_ids=self.portal.partner_id.ids)
        self.assertTrue(ticket.with_user(self.portal).has_access("read"), "the portal user sees his ticket")
        before = self._state(ticket)
        for user in (self.portal, self.staff, self.bot):
            for button in BUTTONS:
                with self.subTest(user=user.login, button=button):
                    with self.assertRaises(AccessError):
                        getattr(ticket.with_user(user), button)()
                    self.assertEqual(self._state(ticket), before)
        self.assertFalse(self._run_postcommit(names=("_send_ask", "_send_deliver")).called, "no /ask")
        # a helpdesk user may
        ticket.with_user(self.leader).action_lexreply_take_over()
        self.assertTrue(ticket.lexreply_taken_over)

    def test_buttons_need_write_access_to_the_ticket(self):
        own = new_test_user(
            self.env, login="qa.own", groups="helpdesk_mgmt.group_helpdesk_user_own", name="QA Own"
        )
        ticket = self._held_ticket()
        with self.assertRaises(AccessError):
            ticket.with_user(own).action_lexreply_take_over()
        self.assertFalse(ticket.lexreply_taken_over)

    def test_view_buttons_carry_groups(self):
        arch = self.env.ref("lexreply_helpdesk_mgmt.ticket_view_form_lexreply").arch
        for button in BUTTONS:
            self.assertRegex(
                arch, r'name="%s"[^>]*groups="helpdesk_mgmt.group_helpdesk_user_own,base.group_system"' % button
            )

    def test_portal_cannot_read_the_draft(self):
        ticket = self._held_ticket(partner_id=self.portal.partner_id.id)
        with self.assertRaises(AccessError):
            ticket.with_user(self.portal).read(["lexreply_draft"])
        self.assertNotIn("lexreply_draft", ticket.with_user(self.portal).fields_get())

    def test_ticket_line_fields_read_only(self):
        ticket = self._ticket(lexreply_channel="line")
        with self.assertRaises(AccessError):
            ticket.with_user(self.leader).write({"lexreply_line_user_id": "Uhijack"})
        with self.assertRaises(AccessError):
            self.Ticket.with_user(self.leader).create(
                {"name": "x", "description": "<p>x</p>", "lexreply_line_user_id": "Uhijack"}
            )
        self.assertTrue(self.Ticket._fields["lexreply_line_user_id"].readonly)

    # ------------------------------------------------------------------ LINE approval

    def test_approve_line_records_then_delivers_after_commit(self):
        self.client.lexreply_line_user_id = "Uqa-line"
        ticket = self._held_ticket(lexreply_channel="line", lexreply_line_user_id="Uqa-line")
        with patch.object(sidecar.requests, "post") as post:
            ticket.with_user(self.paralegal).action_lexreply_approve()
            self.assertFalse(post.called, "nothing is sent before the commit")
        self.assertEqual(ticket.lexreply_approved_by, self.paralegal)
        self.assertTrue(ticket.lexreply_approved_at)
        self.assertEqual(ticket.lexreply_state, "draft", "the sidecar records the push")
        post = self._run_postcommit(status=200, names=("_send_deliver",))
        args, kwargs = post.call_args
        self.assertEqual(args[0], "http://127.0.0.1:9/line/deliver")
        self.assertEqual(
            json.loads(kwargs["data"]), {"action": "deliver", "ticket_id": ticket.id, "db": self.env.cr.dbname}
        )
        self._assert_signed(kwargs["headers"], kwargs["data"])
        # the sidecar records the push of exactly that approval, once
        Bot = ticket.with_user(self.bot)
        approved_at = fields.Datetime.to_string(ticket.lexreply_approved_at)
        self.assertFalse(Bot.lexreply_record_delivery({"approved_at": "2020-01-01 00:00:00", "delivered": "push"}))
        self.assertEqual(ticket.lexreply_state, "draft")
        self.assertTrue(Bot.lexreply_record_delivery({"approved_at": approved_at, "delivered": "push", "text": "您好"}))
        self.assertEqual(ticket.lexreply_state, "sent")
        self.assertIn("approved by QA Paralegal", str(ticket.message_ids[0].body))
        self.assertFalse(Bot.lexreply_record_delivery({"approved_at": approved_at, "delivered": "push"}))
        with self.assertRaises(AccessError):
            ticket.with_user(self.paralegal).lexreply_record_delivery({"approved_at": approved_at, "delivered": "push"})

    def test_approve_line_refused_when_account_changed(self):
        self.client.lexreply_line_user_id = "Uqa-old"
        ticket = self._held_ticket(lexreply_channel="line", lexreply_line_user_id="Uqa-old")
        self.client.lexreply_line_user_id = "Uqa-new"
        with self.assertRaisesRegex(UserError, "LINE account"):
            ticket.with_user(self.paralegal).action_lexreply_approve()
        self.assertFalse(ticket.lexreply_approved_at)

    def test_regenerate_shows_for_stuck_tickets(self):
        ticket = self._held_ticket()
        ticket.write({"lexreply_state": "answering", "lexreply_asked_at": fields.Datetime.now()})
        self.assertFalse(ticket.lexreply_stuck)
        with self.assertRaisesRegex(UserError, "right now"):
            ticket.with_user(self.paralegal).action_lexreply_regenerate()
        ticket.lexreply_asked_at = fields.Datetime.now() - timedelta(seconds=91)
        ticket.invalidate_recordset(["lexreply_stuck"])
        self.assertTrue(ticket.lexreply_stuck)
        ticket.with_user(self.paralegal).action_lexreply_regenerate()
        self.assertEqual(ticket.lexreply_state, "pending")
        self.assertEqual(self._run_postcommit().call_count, 1)

    # ------------------------------------------------------------------ cron

    def _stuck(self, state="answering", attempts=0, age=91):
        ticket = self._held_ticket()
        ticket.write(
            {
                "lexreply_state": state,
                "lexreply_draft": False,
                "lexreply_attempts": attempts,
                "lexreply_asked_at": fields.Datetime.now() - timedelta(seconds=age),
            }
        )
        return ticket

    def test_cron_reasks_stuck_then_escalates_once(self):
        ticket = self._stuck()
        fresh = self._stuck(age=10)
        for attempt in (1, 2, 3):
            with patch.object(sidecar.requests, "post", return_value=Mock(status_code=202, text="")) as post:
                self.Ticket._lexreply_cron_resend()
            self.assertEqual(post.call_count, 1, "only the stuck ticket, not the fresh one")
            self.assertEqual(json.loads(post.call_args.kwargs["data"])["ticket_id"], ticket.id)
            self.assertEqual((ticket.lexreply_state, ticket.lexreply_attempts), ("pending", attempt))
            ticket.lexreply_asked_at = fields.Datetime.now() - timedelta(seconds=91)
        with patch.object(sidecar.requests, "post") as post:
            self.Ticket._lexreply_cron_resend()
            self.Ticket._lexreply_cron_resend()
        self.assertFalse(post.called)
        self.assertEqual(ticket.lexreply_state, "escalated")
        self.assertEqual(len(ticket.activity_ids), 1)
        self.assertEqual(ticket.activity_ids.user_id, self.paralegal)
        self.assertEqual(fresh.lexreply_attempts, 0)

    def test_cron_with_sidecar_down_burns_no_attempt(self):
        tickets = [self._stuck(state=state) for state in ("pending", "answering", "pending")]
        with mute_logger("odoo.addons.lexreply.models.sidecar"):
            for _run in range(5):
                with patch.object(
                    sidecar.requests, "post", side_effect=requests.exceptions.ConnectionError("refused")
                ) as post:
                    self.Ticket._lexreply_cron_resend()
                self.assertEqual(post.call_count, 1, "the run stops at the first failure")
            with patch.object(sidecar.requests, "post", return_value=Mock(status_code=503, text="")):
                self.Ticket._lexreply_cron_resend()
        for ticket in tickets:
            self.assertEqual(ticket.lexreply_attempts, 0)
            self.assertFalse(ticket.activity_ids)
        # back up: each is asked once
        with patch.object(sidecar.requests, "post", return_value=Mock(status_code=202, text="")) as post:
            self.Ticket._lexreply_cron_resend()
        self.assertEqual(post.call_count, 3)
        self.assertEqual([t.lexreply_attempts for t in tickets], [1, 1, 1])

    def test_cron_batch_is_capped(self):
        for _i in range(3):
            self._stuck()
        with patch.object(sidecar.requests, "post", return_value=Mock(status_code=202, text="")) as post:
            self.Ticket._lexreply_cron_resend(limit=2)
        self.assertEqual(post.call_count, 2)

    def test_cron_redelivers_approved_line_drafts(self):
        self.client.lexreply_line_user_id = "Uqa-cron"
        ticket = self._held_ticket(lexreply_channel="line", lexreply_line_user_id="Uqa-cron")
        ticket.write({"lexreply_approved_by": self.paralegal.id, "lexreply_approved_at": fields.Datetime.now() - timedelta(minutes=6)})
        with patch.object(sidecar.requests, "post", return_value=Mock(status_code=200, text="")) as post:
            self.Ticket._lexreply_cron_resend()
        self.assertEqual(json.loads(post.call_args.kwargs["data"])["action"], "deliver")
        ticket.lexreply_approved_at = fields.Datetime.now() - timedelta(minutes=11)
        with patch.object(sidecar.requests, "post") as post:
            self.Ticket._lexreply_cron_resend()
        self.assertFalse(post.called, "too old: the sidecar would refuse it")
        self.assertFalse(ticket.lexreply_approved_at)
        self.assertEqual(len(ticket.activity_ids), 1)


@tagged("post_install", "-at_install")
class TestLexReplyButtonsOverRpc(ReviewFixtures, HttpCase, LexReplyTicketCase):
    """A portal user pressing each button over JSON-RPC, as the browser would."""

    def test_portal_presses_buttons_over_json_rpc(self):
        portal = new_test_user(self.env, login="qa.rpc.portal", password="qa.rpc.portal", groups="base.group_portal")
        ticket = self._held_ticket(partner_id=portal.partner_id.id)
        ticket.message_subscribe(partner_ids=portal.partner_id.ids)
        before = self._state(ticket)
        self.authenticate("qa.rpc.portal", "qa.rpc.portal")
        for button in BUTTONS:
            with self.subTest(button=button), mute_logger("odoo.http"):
                response = self.url_open(
                    "/web/dataset/call_kw/helpdesk.ticket/%s" % button,
                    data=json.dumps(
                        {
                            "jsonrpc": "2.0",
                            "method": "call",
                            "params": {"model": "helpdesk.ticket", "method": button, "args": [[ticket.id]], "kwargs": {}},
                        }
                    ),
                    headers={"Content-Type": "application/json"},
                )
                error = response.json().get("error")
                self.assertTrue(error, response.text)
                self.assertIn("AccessError", error["data"]["name"])
                self.assertEqual(self._state(ticket), before)
        self.assertFalse(self._run_postcommit(names=("_send_ask", "_send_deliver")).called)
