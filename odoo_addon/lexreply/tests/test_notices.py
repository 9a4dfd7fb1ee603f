import hashlib
import hmac
import json
import re
from datetime import timedelta
from unittest.mock import Mock, patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..models import sidecar
from .common import make_users
from .sidecar_stub import SidecarStub

SECRET = "notice-secret"
SIG_RE = re.compile(r"^t=(\d+),v1=([0-9a-f]{64})$")


@tagged("post_install", "-at_install")
class TestLexReplyNotices(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("lexreply.sidecar_url", "http://127.0.0.1:9")
        params.set_param("lexreply.ask_secret", SECRET)
        params.set_param("lexreply.reminder_days", "3")
        cls.bot = cls.env.ref("lexreply.user_lexreply_bot")
        cls.paralegal, cls.lawyer, cls.staff = make_users(cls.env)
        cls.client = cls.env["res.partner"].create({"name": "王大同", "email": "wang@example.com", "lang": "en_US"})
        cls.case = cls.env["legal.case"].create(
            {"name": "Custody", "partner_id": cls.client.id, "case_type": "family", "paralegal_id": cls.paralegal.id}
        )
        cls.today = fields.Date.context_today(cls.env["legal.case"])

    def setUp(self):
        super().setUp()
        self.env.cr.postcommit.clear()

    # ------------------------------------------------------------------ helpers

    def _run_postcommit(self, status=200):
        """What a commit would run: LexReply's /notify hooks, with requests.post patched."""
        funcs = [f for f in self.env.cr.postcommit._funcs if getattr(f, "__name__", "") == "_send_notify"]
        self.env.cr.postcommit.clear()
        with patch.object(sidecar.requests, "post", return_value=Mock(status_code=status, text="")) as post:
            for func in funcs:
                func()
        return [json.loads(call.kwargs["data"]) for call in post.call_args_list]

    def _update(self, visible, case=None):
        return self.env["legal.case.update"].create(
            {"case_id": (case or self.case).id, "summary": "The court set the hearing.", "client_visible": visible}
        )

    def _apply(self, values, case=None, user=None):
        # keep mail in the queue (tests send at once and delete it otherwise)
        case = (case or self.case).with_user(user or self.bot).with_context(mail_notify_force_send=False)
        base = {"kind": "update", "update_id": False, "event_date": False, "client_text": "Hello", "delivered": False, "note": ""}
        return case.lexreply_notice_apply(dict(base, **values))

    def _notices(self, case=None):
        return self.env["lexreply.notice"].search([("case_id", "=", (case or self.case).id)])

    # ------------------------------------------------------------------ trigger

    def test_client_visible_update_asks_once_after_commit(self):
        update = self._update(True)
        self.assertEqual(self._run_postcommit(), [{"kind": "update", "update_id": update.id, "db": self.env.cr.dbname}])
        update.write({"summary": "Typo fixed"})
        self.assertEqual(self._run_postcommit(), [], "an edit of a visible update tells nothing again")

    def test_internal_update_asks_nothing_until_made_visible(self):
        update = self._update(False)
        update.write({"summary": "Called opposing counsel"})
        self.assertEqual(self._run_postcommit(), [])
        update.write({"client_visible": True})
        self.assertEqual(self._run_postcommit(), [{"kind": "update", "update_id": update.id, "db": self.env.cr.dbname}])

    def test_signed_call_reaches_a_listener(self):
        with SidecarStub(status=200, body=b'{"state":"draft"}') as stub:
            self.env["ir.config_parameter"].sudo().set_param("lexreply.sidecar_url", stub.url)
            update = self._update(True)
            funcs = [f for f in self.env.cr.postcommit._funcs if getattr(f, "__name__", "") == "_send_notify"]
            self.env.cr.postcommit.clear()
            for func in funcs:
                func()
        self.assertEqual(len(stub.requests), 1)
        request = stub.requests[0]
        self.assertEqual((request["method"], request["path"]), ("POST", "/notify"))
        match = SIG_RE.match(request["headers"]["X-LexReply-Signature"])
        expected = hmac.new(SECRET.encode(), f"{match.group(1)}.".encode() + request["body"], hashlib.sha256).hexdigest()
        self.assertEqual(match.group(2), expected)
        self.assertEqual(json.loads(request["body"]), {"kind": "update", "update_id": update.id, "db": self.env.cr.dbname})

    # ------------------------------------------------------------------ the sidecar's record

    def test_review_draft_recorded_once_by_key(self):
        update = self._update(True)
        values = {"update_id": update.id, "state": "draft", "key": f"update:{update.id}", "client_text": "Your hearing is set."}
        first = self._apply(values)
        again = self._apply(values)
        self.assertFalse(first["duplicate"])
        self.assertTrue(again["duplicate"])
        self.assertEqual(len(self._notices()), 1)
        self.assertEqual(self.case.lexreply_notice_draft_count, 1)

    def test_internal_update_refused(self):
        update = self._update(False)
        with self.assertRaises(AccessError), mute_logger("odoo.sql_db"):
            self._apply({"update_id": update.id, "state": "draft", "key": f"update:{update.id}"})
        self.assertFalse(self._notices())

    def test_only_the_integration_user_records(self):
        update = self._update(True)
        with self.assertRaises(AccessError):
            self._apply({"update_id": update.id, "state": "draft", "key": f"update:{update.id}"}, user=self.paralegal)

    def test_auto_email_is_an_automatic_comment_to_the_client(self):
        update = self._update(True)
        self._apply({"update_id": update.id, "state": "sent", "delivered": "email", "key": f"update:{update.id}", "client_text": "Hearing set."})
        self.assertIn(self.client, self.case.message_partner_ids)
        message = self.env["mail.message"].search(
            [("model", "=", "legal.case"), ("res_id", "=", self.case.id), ("subtype_id", "=", self.env.ref("mail.mt_comment").id)]
        )
        self.assertEqual(len(message), 1)
        self.assertIn("Hearing set.", message.body)
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        self.assertTrue(mail)
        self.assertIn("'Auto-Submitted': 'auto-replied'", mail.headers)
        self.assertIn(self.client, mail.recipient_ids)
        self.assertEqual(self._notices().delivered, "email")
        execution = self.env["lexreply.execution"].sudo().search([("case_id", "=", self.case.id), ("kind", "=", "notice")])
        self.assertEqual((len(execution), execution.outcome, execution.channel), (1, "sent", "email"))

    def test_audience_refusal_for_a_stranger_following(self):
        stranger = self.env["res.partner"].create({"name": "Stranger", "email": "s@example.com"})
        self.case.message_subscribe(partner_ids=stranger.ids)
        update = self._update(True)
        with self.assertRaises(AccessError), mute_logger("odoo.sql_db"):
            self._apply({"update_id": update.id, "state": "sent", "delivered": "email", "key": f"update:{update.id}"})
        self.assertFalse(self._notices())

    def test_company_contacts_may_follow_company_matters(self):
        company = self.env["res.partner"].create({"name": "ACME", "is_company": True, "email": "acme@example.com"})
        contact = self.env["res.partner"].create({"name": "Alice", "parent_id": company.id, "email": "alice@example.com"})
        case = self.env["legal.case"].create({"name": "Goods", "partner_id": company.id})
        case.message_subscribe(partner_ids=contact.ids)
        update = self._update(True, case=case)
        result = self._apply({"update_id": update.id, "state": "sent", "delivered": "email", "key": f"update:{update.id}"}, case=case)
        self.assertEqual(result["state"], "sent")

    def test_opt_out_refused_and_skipped_recorded(self):
        self.client.with_user(self.bot).write({"lexreply_notify": False})
        update = self._update(True)
        with self.assertRaises(UserError):
            self._apply({"update_id": update.id, "state": "sent", "delivered": "email", "key": f"update:{update.id}"})
        result = self._apply({"update_id": update.id, "state": "skipped", "key": f"update:{update.id}", "note": "notices off"})
        self.assertEqual(result["state"], "skipped")
        with self.assertRaises(AccessError):
            self.client.with_user(self.bot).write({"name": "Renamed"})

    # ------------------------------------------------------------------ approval

    def _draft(self, text="Your hearing is set."):
        update = self._update(True)
        self._run_postcommit()
        self._apply({"update_id": update.id, "state": "draft", "key": f"update:{update.id}", "client_text": text})
        return self._notices()

    def test_portal_and_bot_cannot_approve(self):
        self._draft()
        portal = new_test_user(self.env, login="portal.client", groups="base.group_portal", partner_id=self.client.id)
        for user in (portal, self.bot, self.staff):
            with self.assertRaises(AccessError):
                self.case.with_user(user).action_lexreply_approve_notices()
        self.assertEqual(self._notices().state, "draft")

    def test_paralegal_approves_email_notice(self):
        notice = self._draft()
        notice.with_user(self.paralegal).write({"client_text": "Edited by the paralegal."})
        self.case.with_user(self.paralegal).action_lexreply_approve_notices()
        self.assertEqual((notice.state, notice.delivered, notice.approved_uid), ("sent", "email", self.paralegal))
        comment = self.case.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("mail.mt_comment"))
        self.assertEqual(len(comment), 1)
        self.assertIn("Edited by the paralegal.", comment.body)
        self.assertEqual(comment.author_id, self.paralegal.partner_id)
        self.assertEqual(self._run_postcommit(), [])
        with self.assertRaises(UserError):
            notice.with_user(self.paralegal).write({"client_text": "Too late"})

    def test_paralegal_approves_line_notice_then_sidecar_records_push(self):
        self.client.sudo().write({"lexreply_line_user_id": "U" + "a" * 32})
        notice = self._draft()
        self.case.with_user(self.paralegal).action_lexreply_approve_notices()
        self.assertEqual(notice.state, "approved")
        self.assertEqual(self._run_postcommit(), [{"kind": "approved", "case_id": self.case.id, "db": self.env.cr.dbname}])
        result = self._apply({"update_id": notice.update_id.id, "state": "sent", "delivered": "push", "key": notice.key})
        self.assertEqual((result["state"], notice.state, notice.delivered), ("sent", "sent", "push"))

    # ------------------------------------------------------------------ reminders

    def _reminder_calls(self):
        self.env["legal.case"]._lexreply_cron_reminders()
        return [p for p in self._run_postcommit() if p["kind"] == "reminder"]

    def _record(self, payload):
        self._apply(
            {
                "kind": "reminder",
                "event_date": payload["event_date"],
                "state": "sent",
                "delivered": "email",
                "key": "reminder:%(case_id)s:%(event_date)s:%(days)s" % payload,
            },
            case=self.env["legal.case"].browse(payload["case_id"]),
        )

    def test_reminder_once_per_date_and_again_when_moved(self):
        self.case.write({"next_event_date": self.today + timedelta(days=3), "state": "hearing_scheduled"})
        calls = [p for p in self._reminder_calls() if p["case_id"] == self.case.id]
        date = fields.Date.to_string(self.today + timedelta(days=3))
        self.assertEqual(calls, [{"kind": "reminder", "case_id": self.case.id, "event_date": date, "days": 3, "db": self.env.cr.dbname}])
        self._record(calls[0])
        self.assertFalse([p for p in self._reminder_calls() if p["case_id"] == self.case.id], "never twice for one date")
        self.case.write({"next_event_date": self.today + timedelta(days=2)})
        moved = [p for p in self._reminder_calls() if p["case_id"] == self.case.id]
        self.assertEqual([p["event_date"] for p in moved], [fields.Date.to_string(self.today + timedelta(days=2))])

    def test_no_reminder_too_early_closed_inactive_or_opted_out(self):
        self.case.write({"next_event_date": self.today + timedelta(days=5)})
        self.assertFalse([p for p in self._reminder_calls() if p["case_id"] == self.case.id], "5 days ahead is too early")
        self.case.write({"next_event_date": self.today + timedelta(days=3), "state": "closed"})
        self.assertFalse([p for p in self._reminder_calls() if p["case_id"] == self.case.id])
        self.case.write({"state": "in_progress", "active": False})
        self.assertFalse([p for p in self._reminder_calls() if p["case_id"] == self.case.id])
        self.case.write({"active": True})
        self.client.write({"lexreply_notify": False})
        self.assertFalse([p for p in self._reminder_calls() if p["case_id"] == self.case.id])

    def test_several_reminder_days_and_the_cap(self):
        self.env["ir.config_parameter"].sudo().set_param("lexreply.reminder_days", "7, 1")
        cases = self.env["legal.case"].create(
            [{"name": f"M{i}", "partner_id": self.client.id, "next_event_date": self.today + timedelta(days=1)} for i in range(3)]
        )
        self.env["legal.case"]._lexreply_cron_reminders(limit=2)
        calls = [p for p in self._run_postcommit() if p["kind"] == "reminder" and p["case_id"] in cases.ids]
        self.assertEqual(len(calls), 2, "capped per run")
        self.assertEqual({p["days"] for p in calls}, {1})
        for payload in calls:
            self._record(payload)
        rest = [p for p in self._reminder_calls() if p["case_id"] in cases.ids]
        self.assertEqual(len(rest), 1, "the rest next run, none twice")

    def test_lost_update_notice_asked_again_by_the_cron(self):
        update = self._update(True)
        self._run_postcommit()  # the sidecar was down: nothing recorded
        self.env["legal.case"]._lexreply_cron_lost_notices()
        self.assertEqual(self._run_postcommit(), [], "not while the first call may be under way")
        self.env.cr.execute(
            "UPDATE legal_case_update SET write_date = write_date - interval '10 minutes' WHERE id = %s", [update.id]
        )
        update.invalidate_recordset(["write_date"])
        self.env["legal.case"]._lexreply_cron_lost_notices()
        self.assertIn({"kind": "update", "update_id": update.id, "db": self.env.cr.dbname}, self._run_postcommit())
        self._apply({"update_id": update.id, "state": "draft", "key": f"update:{update.id}"})
        self.env["legal.case"]._lexreply_cron_lost_notices()
        self.assertNotIn({"kind": "update", "update_id": update.id, "db": self.env.cr.dbname}, self._run_postcommit())
