import json
from datetime import timedelta

import requests

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.lexreply.tests.sidecar_stub import SidecarStub

from .common import LexReplyTicketCase


@tagged("post_install", "-at_install")
class TestLexReplyTicket(LexReplyTicketCase):
    # ------------------------------------------------------------------ trigger

    def test_client_message_schedules_one_signed_call(self):
        ticket = self._ticket()
        self._run_postcommit()  # nothing from the creation itself
        message = ticket.message_post(
            body="請問我的案子進度如何？",
            author_id=self.client.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertEqual(ticket.lexreply_state, "pending")
        self.assertEqual(ticket.lexreply_last_message_id, message)
        self.assertEqual(ticket.lexreply_attempts, 0, "re-asks are counted, not the first call")
        post = self._run_postcommit()
        self._assert_one_ask(post, ticket, message)
        # the hooks ran once: nothing left
        self.assertFalse(self._run_postcommit().called)

    def test_staff_note_and_comment_schedule_nothing(self):
        ticket = self._ticket()
        admin_ticket = ticket.with_user(self.env.ref("base.user_admin"))
        admin_ticket.message_post(body="internal", message_type="comment", subtype_xmlid="mail.mt_note")
        admin_ticket.message_post(body="reply by staff", message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertFalse(ticket.lexreply_state)
        self.assertFalse(self._run_postcommit().called)

    def test_bot_own_comment_refused_note_schedules_nothing(self):
        ticket = self._ticket()
        with self.assertRaisesRegex(AccessError, "lexreply_apply"):
            ticket.with_user(self.bot).message_post(
                body="Your matter 2026-FAM-0001 has a hearing on ...",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        ticket.with_user(self.bot).message_post(
            body="Draft for review", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        self.assertFalse(self._run_postcommit().called)

    def test_disabled_team_and_taken_over_schedule_nothing(self):
        off = self._ticket(team_id=self.team_off.id)
        off.message_post(body="hello", author_id=self.client.id, message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertFalse(off.lexreply_state)
        taken = self._ticket()
        taken.action_lexreply_take_over()
        taken.message_post(body="hello", author_id=self.client.id, message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertEqual(taken.lexreply_state, "escalated")
        self.assertFalse(self._run_postcommit().called)

    def test_missing_settings_keep_pending_without_call(self):
        self.env["ir.config_parameter"].sudo().set_param("lexreply.sidecar_url", "")
        ticket = self._ticket()
        with mute_logger("odoo.addons.lexreply.models.lexreply_ticket_mixin"):
            ticket.message_post(body="hello", author_id=self.client.id, message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertEqual(ticket.lexreply_state, "pending")
        self.assertFalse(self._run_postcommit().called)

    def test_sidecar_down_never_raises(self):
        ticket = self._ticket()
        ticket.message_post(body="hello", author_id=self.client.id, message_type="comment", subtype_xmlid="mail.mt_comment")
        with mute_logger("odoo.addons.lexreply.models.sidecar"):
            post = self._run_postcommit(side_effect=requests.exceptions.ConnectionError("Connection refused"))
        self.assertEqual(post.call_count, 1)
        self.assertEqual(ticket.lexreply_state, "pending")

    # ------------------------------------------------------------------ mail gateway

    def test_gateway_mail_creates_ticket_and_asks(self):
        raw, msgid = self._raw_mail('"王小明 QA" <client.qa@example.com>', body="請問我的案子進度如何？")
        ticket_id = self._process(raw)
        ticket = self.Ticket.browse(ticket_id)
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.partner_id, self.client)
        self.assertIn("client.qa@example.com", ticket.partner_email)
        self.assertEqual(ticket.lexreply_channel, "email")
        self.assertEqual(ticket.lexreply_sender_auth, "none")
        message = self.env["mail.message"].search([("message_id", "=", msgid)])
        self.assertEqual(message.message_type, "email")
        self.assertEqual(message.subtype_id, self.env.ref("helpdesk_mgmt.hlp_tck_created"))
        self.assertEqual(ticket.lexreply_state, "pending")
        self.assertEqual(ticket.lexreply_last_message_id, message)
        post = self._run_postcommit()
        self._assert_one_ask(post, ticket, message)
        # the same Message-ID again is ignored by Odoo (returns False) and asks nothing
        self.assertFalse(self._process(raw))
        self.assertFalse(self._run_postcommit().called)

    def test_gateway_reply_asks_for_the_new_message(self):
        raw, msgid = self._raw_mail("client.qa@example.com")
        ticket = self.Ticket.browse(self._process(raw))
        self._run_postcommit()
        raw2, msgid2 = self._raw_mail(
            "client.qa@example.com",
            subject="Re: Case status",
            body="Any news?",
            headers={"In-Reply-To": msgid, "References": msgid},
        )
        self.assertEqual(self._process(raw2), ticket.id)
        message2 = self.env["mail.message"].search([("message_id", "=", msgid2)])
        self.assertEqual(message2.model, "helpdesk.ticket")
        self.assertEqual(ticket.lexreply_last_message_id, message2)
        self._assert_one_ask(self._run_postcommit(), ticket, message2)

    def test_gateway_signed_call_reaches_a_listener(self):
        """End to end over a real socket: the listener gets the raw body and a valid signature."""
        with SidecarStub(status=202) as stub:
            self.env["ir.config_parameter"].sudo().set_param("lexreply.sidecar_url", stub.url)
            raw, msgid = self._raw_mail('"Alice QA" <client.qa@example.com>')
            ticket = self.Ticket.browse(self._process(raw))
            funcs = [f for f in self.env.cr.postcommit._funcs if getattr(f, "__name__", "") == "_send_ask"]
            self.env.cr.postcommit.clear()
            for func in funcs:
                func()
        self.assertEqual(len(stub.requests), 1)
        request = stub.requests[0]
        self.assertEqual((request["method"], request["path"]), ("POST", "/ask"))
        self._assert_signed(request["headers"], request["body"])
        message = self.env["mail.message"].search([("message_id", "=", msgid)])
        self.assertEqual(
            json.loads(request["body"]),
            {"ticket_id": ticket.id, "message_id": message.id, "db": self.env.cr.dbname},
        )

    def test_auto_reply_triggers_nothing(self):
        for headers in (
            {"Auto-Submitted": "auto-replied"},
            {"X-Autoreply": "yes"},
            {"Precedence": "bulk"},
        ):
            raw, msgid = self._raw_mail("client.qa@example.com", subject="Out of office", headers=headers)
            with mute_logger("odoo.addons.lexreply.models.mail_thread"):
                ticket = self.Ticket.browse(self._process(raw))
            self.assertTrue(ticket, "the auto-reply is still filed")
            self.assertFalse(ticket.lexreply_state, headers)
        self.assertFalse(self._run_postcommit().called)

    def test_sender_auth_verdict_recorded(self):
        self.env["ir.config_parameter"].sudo().set_param("lexreply.authserv_id", "mx.firm.test")
        raw, msgid = self._raw_mail(
            "client.qa@example.com",
            headers={"Authentication-Results": "mx.firm.test; spf=fail smtp.mailfrom=example.com; dkim=none; dmarc=fail (p=none) header.from=example.com"},
        )
        ticket = self.Ticket.browse(self._process(raw))
        self.assertEqual(ticket.lexreply_sender_auth, "fail")
        raw2, _msgid2 = self._raw_mail(
            "client.qa@example.com",
            headers={
                "In-Reply-To": msgid,
                "Authentication-Results": "mx.firm.test; spf=pass; dkim=pass; dmarc=pass header.from=example.com",
            },
        )
        self._process(raw2)
        self.assertEqual(ticket.lexreply_sender_auth, "pass")
        raw3, _msgid3 = self._raw_mail("client.qa@example.com", headers={"In-Reply-To": msgid})
        self._process(raw3)
        self.assertEqual(ticket.lexreply_sender_auth, "none")

    def test_bot_message_process_creates_no_partner(self):
        partners = self.env["res.partner"].with_context(active_test=False).search_count([])
        raw, msgid = self._raw_mail('"Stranger" <stranger.qa@example.net>')
        ticket_id = self._process(raw, user=self.bot)
        ticket = self.Ticket.browse(ticket_id)
        self.assertTrue(ticket)
        self.assertFalse(ticket.partner_id)
        self.assertIn("stranger.qa@example.net", ticket.partner_email)
        self.assertEqual(
            self.env["res.partner"].with_context(active_test=False).search_count([]), partners
        )
        self.assertEqual(ticket.lexreply_state, "pending", "an unknown sender is still answered (holding reply)")
        # a known address gets its partner
        raw2, _ = self._raw_mail("client.qa@example.com", subject="Second")
        ticket2 = self.Ticket.browse(self._process(raw2, user=self.bot))
        self.assertEqual(ticket2.partner_id, self.client)
        self.assertEqual(self._run_postcommit().call_count, 2)

    def test_bot_message_process_imap_fallback_with_team(self):
        """The sidecar's IMAP path: mail to the firm's own mailbox (no alias) with
        custom_values naming the team, called as the integration user."""
        raw, msgid = self._raw_mail("client.qa@example.com", to="office@firm.example")
        ticket_id = self.env(user=self.bot)["mail.thread"].message_process(
            "helpdesk.ticket", raw, custom_values={"team_id": self.team.id}
        )
        ticket = self.Ticket.browse(ticket_id)
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.partner_id, self.client)
        self.assertFalse(ticket.user_id)
        message = self.env["mail.message"].search([("message_id", "=", msgid)])
        self._assert_one_ask(self._run_postcommit(), ticket, message)

    # ------------------------------------------------------------------ LINE

    def test_line_ticket_created_by_bot(self):
        self.env["ir.config_parameter"].sudo().set_param("lexreply.line_team_id", str(self.team.id))
        Ticket = self.Ticket.with_user(self.bot)
        ticket = Ticket.create(
            {
                "name": "LINE: 王小明 QA",
                "description": "<p>LINE conversation</p>",
                "partner_id": self.client.id,
                "lexreply_channel": "line",
                "lexreply_line_user_id": "Uqa0001",
            }
        )
        self.assertEqual(ticket.team_id, self.team)
        self.assertTrue(ticket.lexreply_open)
        message = self.Ticket.browse(ticket.id).message_post(
            body="案子進度？",
            author_id=self.client.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertEqual(message._name, "mail.message")
        self.assertEqual(ticket.lexreply_state, "pending")
        self._assert_one_ask(self._run_postcommit(), ticket, message)
        # without the setting: the first enabled team
        self.env["ir.config_parameter"].sudo().set_param("lexreply.line_team_id", "")
        other = Ticket.create(
            {"name": "LINE 2", "description": "<p>x</p>", "partner_id": self.client.id, "lexreply_channel": "line"}
        )
        first_enabled = self.env["helpdesk.ticket.team"].search([("lexreply_enabled", "=", True)], limit=1)
        self.assertEqual(other.team_id, first_enabled)

    def test_bot_never_assigned(self):
        self.env.company.helpdesk_mgmt_ticket_auto_assign = True
        ticket = self.Ticket.with_user(self.bot).create(
            {"name": "LINE", "description": "<p>x</p>", "partner_id": self.client.id, "lexreply_channel": "line"}
        )
        self.assertFalse(ticket.user_id)
        raw, _ = self._raw_mail('"Stranger" <stranger.assign@example.net>')
        ticket = self.Ticket.browse(self._process(raw, user=self.bot))
        self.assertFalse(ticket.user_id)

    def test_bot_writes_only_the_answering_state(self):
        ticket = self._ticket().with_user(self.bot)
        ticket.write({"lexreply_state": "answering"})
        self.assertEqual(ticket.lexreply_state, "answering")
        for vals in (
            {"name": "renamed"},
            {"lexreply_state": "sent"},
            {"lexreply_draft": "draft"},
            {"lexreply_case_id": self.case.id},
            {"lexreply_taken_over": False},
        ):
            with self.assertRaises(AccessError, msg=vals):
                ticket.write(vals)
        ticket.activity_schedule(
            "mail.mail_activity_data_todo", summary="Call the client", user_id=self.paralegal.id
        )
        self.assertEqual(ticket.activity_ids.user_id, self.paralegal)

    # ------------------------------------------------------------------ buttons

    def test_approve_email_threaded_to_client(self):
        raw, msgid = self._raw_mail("client.qa@example.com")
        ticket = self.Ticket.browse(self._process(raw))
        self._run_postcommit()
        ticket.write(
            {
                "lexreply_state": "draft",
                "lexreply_draft": "王先生您好：\n法院已排定期日。",
                "lexreply_case_id": self.case.id,
            }
        )
        # keep the mail in the queue (tests send at once and delete it otherwise)
        ticket.with_user(self.paralegal).with_context(mail_notify_force_send=False).action_lexreply_approve()
        self.assertEqual(ticket.lexreply_state, "sent")
        reply = ticket.message_ids[0]
        self.assertEqual(reply.message_type, "comment")
        self.assertEqual(reply.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn("法院已排定期日", str(reply.body))
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", reply.id)])
        self.assertTrue(mail, "Odoo mails the comment")
        self.assertIn(self.client, mail.recipient_ids)
        self.assertIn(msgid, mail.references, "threaded to the client's first message")
        self.assertIn(reply.message_id, mail.references)
        self.assertFalse(self._run_postcommit().called, "approving asks nothing")

    def test_approve_without_draft(self):
        with self.assertRaises(UserError):
            self._ticket().action_lexreply_approve()

    def test_regenerate(self):
        ticket = self._ticket()
        message = ticket.message_post(body="hello", author_id=self.client.id, message_type="comment", subtype_xmlid="mail.mt_comment")
        self._run_postcommit()
        ticket.write({"lexreply_state": "draft", "lexreply_draft": "x", "lexreply_attempts": 3})
        ticket.action_lexreply_regenerate()
        self.assertEqual(ticket.lexreply_state, "pending")
        self.assertEqual(ticket.lexreply_attempts, 0)
        self._assert_one_ask(self._run_postcommit(), ticket, message)

    def test_take_over(self):
        ticket = self._ticket()
        ticket.message_post(body="hello", author_id=self.client.id, message_type="comment", subtype_xmlid="mail.mt_comment")
        self._run_postcommit()
        ticket.with_user(self.paralegal).action_lexreply_take_over()
        self.assertTrue(ticket.lexreply_taken_over)
        self.assertEqual(ticket.lexreply_state, "escalated")
        ticket.message_post(body="again", author_id=self.client.id, message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertEqual(ticket.lexreply_state, "escalated")
        self.Ticket._lexreply_cron_resend()
        self.assertFalse(self._run_postcommit().called)

    # ------------------------------------------------------------------ cron

    def test_escalation_without_matter_goes_to_team_leader(self):
        ticket = self._ticket()
        ticket.message_post(body="hello", author_id=self.client.id, message_type="comment", subtype_xmlid="mail.mt_comment")
        self._run_postcommit()
        ticket.write({"lexreply_attempts": 3, "lexreply_asked_at": fields.Datetime.now() - timedelta(minutes=6)})
        self.Ticket._lexreply_cron_resend()
        self.assertEqual(ticket.lexreply_state, "escalated")
        self.assertEqual(ticket.activity_ids.user_id, self.leader)

    def test_cron_is_shipped(self):
        cron = self.env.ref("lexreply_helpdesk_mgmt.ir_cron_lexreply_resend")
        self.assertTrue(cron.active)
        automation = self.env.ref("lexreply_helpdesk_mgmt.automation_ask_on_client_message")
        self.assertEqual(automation.trigger, "on_message_received")
        self.assertEqual(automation.model_id.model, "helpdesk.ticket")

    # ------------------------------------------------------------------ computed fields

    def test_policy(self):
        ticket = self._ticket()
        self.assertEqual(ticket.lexreply_policy, "auto")
        self.team.lexreply_policy = False
        self.env["ir.config_parameter"].sudo().set_param("lexreply.default_policy", "auto_if_grounded")
        ticket.invalidate_recordset(["lexreply_policy"])
        self.assertEqual(ticket.lexreply_policy, "auto_if_grounded")
        self.env["ir.config_parameter"].sudo().set_param("lexreply.default_policy", "")
        no_team = self._ticket(team_id=False)
        self.assertEqual(no_team.lexreply_policy, "review")

    def test_bot_reads_team_leader(self):
        """The sidecar reads the leader from the ticket (Enterprise's team has no user_id)."""
        ticket = self._ticket()
        self.assertEqual(self.team.user_id, self.leader)
        [values] = ticket.with_user(self.bot).web_read({"lexreply_team_leader_id": {}})
        self.assertEqual(values["lexreply_team_leader_id"], self.team.user_id.id)
        ticket.team_id = self.team_off  # a team without leader
        [values] = ticket.with_user(self.bot).web_read({"lexreply_team_leader_id": {}})
        self.assertFalse(values["lexreply_team_leader_id"])
        [values] = self._ticket(team_id=False).with_user(self.bot).web_read(
            {"lexreply_team_leader_id": {}}
        )
        self.assertFalse(values["lexreply_team_leader_id"])

    def test_open_follows_closed_stage(self):
        ticket = self._ticket()
        self.assertTrue(ticket.lexreply_open)
        closed = self.env["helpdesk.ticket.stage"].search([("closed", "=", True)], limit=1)
        ticket.stage_id = closed
        self.assertFalse(ticket.lexreply_open)
        self.assertIn(ticket, self.Ticket.search([("lexreply_open", "=", False)]))

    def test_matter_tickets_smart_button(self):
        ticket = self._ticket(lexreply_case_id=self.case.id)
        self.assertEqual(self.case.lexreply_ticket_count, 1)
        action = self.case.action_lexreply_view_tickets()
        self.assertEqual(self.Ticket.search(action["domain"]), ticket)
        self.assertEqual(action["res_model"], "helpdesk.ticket")

    def test_zh_tw_translation_of_bridged_fields(self):
        """The team fields and the matter's ticket count come from the core's
        mixins: their labels on the bridged models are still translated."""
        self.env["res.lang"]._activate_lang("zh_TW")
        self.env["ir.module.module"]._load_module_terms(
            ["lexreply", "lexreply_helpdesk_mgmt"], ["zh_TW"], overwrite=True
        )
        team = self.env["helpdesk.ticket.team"].with_context(lang="zh_TW")
        info = team.fields_get(["lexreply_enabled", "lexreply_policy"], ["string", "help", "selection"])
        self.assertEqual(info["lexreply_enabled"]["string"], "LexReply 回覆")
        self.assertTrue(info["lexreply_enabled"]["help"].startswith("由 LexReply 回覆此團隊"))
        self.assertEqual(info["lexreply_policy"]["string"], "回覆政策")
        self.assertTrue(info["lexreply_policy"]["help"].startswith("此團隊的 LexReply 回覆發送方式"))
        self.assertEqual(dict(info["lexreply_policy"]["selection"])["auto"], "立即發送")
        ticket_info = self.Ticket.with_context(lang="zh_TW").fields_get(
            ["lexreply_team_leader_id", "lexreply_open"], ["string", "help"]
        )
        self.assertEqual(ticket_info["lexreply_team_leader_id"]["string"], "團隊負責人")
        self.assertEqual(ticket_info["lexreply_open"]["string"], "未結案")
        self.assertEqual(ticket_info["lexreply_open"]["help"], "工單不在已結案的階段。")
        case_info = self.env["legal.case"].with_context(lang="zh_TW").fields_get(
            ["lexreply_ticket_count", "lexreply_ticket_ids"], ["string"]
        )
        self.assertEqual(case_info["lexreply_ticket_count"]["string"], "工單數")
        self.assertEqual(case_info["lexreply_ticket_ids"]["string"], "工單")
        action = self.case.with_context(lang="zh_TW").action_lexreply_view_tickets()
        self.assertEqual(action["name"], "工單")
