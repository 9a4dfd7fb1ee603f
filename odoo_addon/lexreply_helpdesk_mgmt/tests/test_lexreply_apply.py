"""lexreply_apply, the audience rule, the relay and the mail-loop guard on a real Odoo 18.

Every mail is caught at the SMTP layer (mail's MockEmail) after the queue is flushed, so "nothing
reaches X" means: by no route Odoo has (comment to followers, relay, approval, queue)."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import LexReplyTicketCase

FACT = "2026-FAM-QA01"  # the matter's number: a fact only the client may read
ANSWER = "王先生您好：您的案件 %s 已排定 12 月 20 日開庭。" % FACT
HOLDING = "We received your message; a person will answer soon."
AUDIT = "[LexReply] model gpt-5 · 1200 ms · tokens 2000/0/60 · check passed"


@tagged("post_install", "-at_install")
class TestLexReplyApply(LexReplyTicketCase, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.case.number = FACT
        cls.other_client = cls.env["res.partner"].create(
            {"name": "李四 QA", "email": "other.qa@example.com"}
        )
        cls.other_case = cls.env["legal.case"].create(
            {"name": "Other's lease", "partner_id": cls.other_client.id, "number": "2026-CIV-QA02"}
        )

    # ------------------------------------------------------------------ helpers

    def _answer(self, message, **values):
        outcome = {
            "message_id": message.id,
            "state": "sent",
            "client_text": ANSWER,
            "client_text_kind": "answer",
            "note": AUDIT + "\naudience: client",
            "draft": False,
            "case_id": self.case.id,
            "matter_ids": [self.case.id],
            "activity": False,
            "delivered": "email",
            "execution": {
                "kind": "answer",
                "channel": "email",
                "outcome": values.get("state", "sent"),
                "why": "answered",
                "model": "gpt-5",
                "model_latency_ms": 1200,
                "tokens_in": 2000,
                "tokens_cached": 0,
                "tokens_out": 60,
                "check_verdict": "passed",
                "check_failures": False,
            },
        }
        outcome.update(values)
        return outcome

    def _holding(self, message, **values):
        return self._answer(
            message,
            **dict(
                {
                    "state": "draft",
                    "client_text": HOLDING,
                    "client_text_kind": "holding",
                    "draft": ANSWER,
                    "activity": {"summary": "Review the draft", "note": "held for review"},
                },
                **values,
            ),
        )

    def _apply(self, ticket, outcome):
        return ticket.with_user(self.bot).lexreply_apply(outcome)

    def _client_ticket(self, sender="client.qa@example.com", **headers):
        raw, msgid = self._raw_mail(sender, headers=headers or None)
        ticket = self.Ticket.browse(self._process(raw))
        self._run_postcommit()
        return ticket, self.env["mail.message"].search([("message_id", "=", msgid)])

    def _reply(self, ticket, first_msgid, sender, cc=None):
        headers = {"In-Reply-To": first_msgid, "References": first_msgid}
        if cc:
            headers["Cc"] = cc
        raw, msgid = self._raw_mail(sender, subject="Re: Case status", headers=headers)
        self.assertEqual(self._process(raw), ticket.id)
        self._run_postcommit()
        return self.env["mail.message"].search([("message_id", "=", msgid)])

    def _flush(self):
        self.env["mail.mail"].sudo().search([("state", "=", "outgoing")]).send(raise_exception=False)

    def _mails_to(self, address):
        return [m for m in self._mails if any(address in to for to in m["email_to"])]

    def _snapshot(self, ticket):
        return (
            ticket.lexreply_state,
            len(ticket.message_ids),
            len(ticket.activity_ids),
            self.env["lexreply.execution"].search_count([("ticket_id", "=", ticket.id)]),
        )

    # ------------------------------------------------------------------ the one transaction

    def test_apply_email_answer_once(self):
        ticket, message = self._client_ticket()
        with self.mock_mail_gateway():
            result = self._apply(ticket, self._answer(message))
            self._flush()
        self.assertTrue(result["applied"])
        self.assertEqual(result["state"], "sent")
        self.assertEqual(ticket.lexreply_state, "sent")
        self.assertEqual(ticket.lexreply_case_id, self.case)
        comment = ticket.message_ids.filtered(
            lambda m: m.author_id == self.bot.partner_id and m.subtype_id == self.env.ref("mail.mt_comment")
        )
        self.assertEqual(len(comment), 1)
        self.assertIn(FACT, str(comment.body))
        note = ticket.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("mail.mt_note") and "[LexReply]" in str(m.body)
        )
        self.assertEqual(len(note), 1)
        # 2000 × 1.25 + 60 × 10 per million = US$0.0031, on the audit line
        self.assertIn("check passed · US$0.0031", str(note.body))
        execution = self.env["lexreply.execution"].browse(result["execution_id"])
        self.assertEqual(execution.ticket_id, ticket)
        self.assertEqual(execution.message_id, message)
        self.assertEqual((execution.outcome, execution.channel, execution.model), ("sent", "email", "gpt-5"))
        self.assertEqual(execution.partner_id, self.client)
        self.assertEqual(execution.team_id, self.team)
        self.assertAlmostEqual(execution.cost, 0.0031, places=6)
        self.assertGreaterEqual(execution.reply_latency_ms, 0)
        # mailed to the client, marked as an automatic reply
        mails = self._mails_to("client.qa@example.com")
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails[0]["headers"].get("Auto-Submitted"), "auto-replied")
        # a repeat returns the first result and changes nothing
        before = self._snapshot(ticket)
        with self.mock_mail_gateway():
            again = self._apply(ticket, self._answer(message, state="escalated", client_text=False))
            self._flush()
        self.assertEqual(again, {"applied": False, "state": "sent", "execution_id": execution.id})
        self.assertEqual(self._snapshot(ticket), before)
        self.assertFalse(self._mails)

    def test_apply_refusals_write_nothing(self):
        ticket, message = self._client_ticket()
        other_ticket, other_message = self._client_ticket()
        before = self._snapshot(ticket)
        cases = [
            (AccessError, self._answer(other_message), "not a message of this ticket"),
            (UserError, self._answer(message, draft=AUDIT + "\nanswer"), "audit line"),
            (UserError, dict(self._answer(message), extra=1), "unknown keys"),
            (AccessError, self._answer(message, matter_ids=[self.other_case.id]), "may not see"),
        ]
        for error, outcome, reason in cases:
            with self.subTest(reason=reason), self.mock_mail_gateway():
                with self.assertRaisesRegex(error, reason):
                    self._apply(ticket, outcome)
                self._flush()
                self.assertFalse(self._mails)
            self.assertEqual(self._snapshot(ticket), before)
        # only the integration user (and administrators) may apply
        with self.assertRaises(AccessError):
            ticket.with_user(self.paralegal).lexreply_apply(self._answer(message))
        self.assertEqual(self._snapshot(ticket), before)

    def test_apply_taken_over(self):
        ticket, message = self._client_ticket()
        ticket.with_user(self.paralegal).action_lexreply_take_over()
        with self.assertRaisesRegex(AccessError, "took this ticket over"):
            self._apply(ticket, self._answer(message))
        # a holding outcome is recorded, but nothing goes to the client
        with self.mock_mail_gateway():
            result = self._apply(ticket, self._holding(message, state="escalated", draft=False))
            self._flush()
        self.assertTrue(result["applied"])
        self.assertFalse(self._mails)
        self.assertEqual(ticket.lexreply_state, "escalated")
        self.assertFalse(ticket.activity_ids, "the person who took over needs no activity")
        self.assertIn("Taken over", str(ticket.message_ids[0].body))

    def test_one_open_activity_per_ticket(self):
        ticket, message = self._client_ticket()
        second = self._reply(ticket, message.message_id, "client.qa@example.com")
        escalated = {"state": "escalated", "client_text": HOLDING, "client_text_kind": "holding"}
        self._apply(ticket, self._answer(message, activity={"summary": "Call", "note": "timeout"}, **escalated))
        self._apply(ticket, self._answer(second, activity={"summary": "Call", "note": "unknown matter"}, **escalated))
        activity = ticket.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.paralegal, "the matter's paralegal, never the bot")
        self.assertIn("timeout", str(activity.note))
        self.assertIn("unknown matter", str(activity.note))

    def test_failed_check_draft_must_be_edited(self):
        ticket, message = self._client_ticket()
        outcome = self._holding(message)
        outcome["execution"] = dict(outcome["execution"], check_verdict="failed", check_failures="12/20")
        self._apply(ticket, outcome)
        self.assertEqual(ticket.lexreply_draft, ANSWER, "the draft is what the client would read")
        self.assertNotIn("[LexReply]", ticket.lexreply_draft)
        self.assertTrue(ticket.lexreply_draft_needs_edit)
        with self.mock_mail_gateway():
            with self.assertRaisesRegex(UserError, "failed the fact check"):
                ticket.with_user(self.paralegal).action_lexreply_approve()
            self._flush()
            self.assertFalse(self._mails_to("client.qa@example.com"))
        ticket.with_user(self.paralegal).lexreply_draft = ANSWER.replace("12 月 20 日", "12 月 21 日")
        with self.mock_mail_gateway():
            ticket.with_user(self.paralegal).action_lexreply_approve()
            self._flush()
        self.assertEqual(ticket.lexreply_state, "sent")
        [mail] = self._mails_to("client.qa@example.com")
        self.assertIn("12 月 21 日", mail["body"])
        self.assertEqual(mail["headers"].get("Auto-Submitted"), "auto-replied")

    # ------------------------------------------------------------------ the audience rule

    def test_stranger_with_cc_never_gets_the_clients_facts(self):
        """Issue 10: a stranger writes with the client in Cc; the client replies all."""
        raw, first = self._raw_mail(
            '"Stranger" <stranger.qa@example.net>', headers={"Cc": "client.qa@example.com"}
        )
        with self.mock_mail_gateway():
            ticket = self.Ticket.browse(self._process(raw))
            self._run_postcommit()
            self.assertFalse(ticket.partner_id)
            ticket.message_subscribe(partner_ids=self.client.ids)  # the helpdesk makes Cc followers
            reply = self._reply(ticket, first, "client.qa@example.com")
            self.assertEqual(reply.author_id, self.client)
            before = self._snapshot(ticket)
            # the answer with the client's facts is refused, nothing written
            with self.assertRaisesRegex(AccessError, "no known client"):
                self._apply(ticket, self._answer(reply))
            self.assertEqual(self._snapshot(ticket), before)
            # the holding outcome goes through: holding reply relayed, the answer kept as a draft
            self._apply(ticket, self._holding(reply))
            self.assertEqual(ticket.lexreply_state, "draft")
            # a paralegal cannot release the draft to a partner-less ticket either
            with self.assertRaisesRegex(UserError, "no known client"):
                ticket.with_user(self.paralegal).action_lexreply_approve()
            self._flush()
        to_stranger = self._mails_to("stranger.qa@example.net")
        self.assertEqual(len(to_stranger), 1, "the holding reply, sent at once")
        self.assertIn(HOLDING, to_stranger[0]["body"])
        self.assertEqual(to_stranger[0]["headers"].get("Auto-Submitted"), "auto-replied")
        for mail in self._mails:
            self.assertNotIn(FACT, mail["body"], mail["email_to"])

    def test_relay_is_immediate_and_not_a_context_switch(self):
        raw, _first = self._raw_mail('"Stranger" <stranger.qa@example.net>')
        ticket = self.Ticket.browse(self._process(raw))
        message = ticket.message_ids.filtered(lambda m: m.message_type == "email")
        with self.mock_mail_gateway():
            self._apply(ticket, self._holding(message))
            # no flush: the relay went out at once, not at the queue's next run
            self.assertEqual(len(self._mails_to("stranger.qa@example.net")), 1)
        # the old context key no longer relays anything, whoever passes it
        portal = new_test_user(self.env, login="portal.relay", groups="base.group_portal")
        ticket.message_subscribe(partner_ids=portal.partner_id.ids)
        with self.mock_mail_gateway():
            ticket.with_user(portal).with_context(lexreply_deliver_to_partner_email=True).message_post(
                body=FACT, message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            self._flush()
        self.assertFalse(self._mails_to("stranger.qa@example.net"))

    def test_client_cc_another_client(self):
        ticket, message = self._client_ticket()
        ticket.message_subscribe(partner_ids=self.other_client.ids)
        with self.mock_mail_gateway():
            with self.assertRaisesRegex(AccessError, "may not see"):
                self._apply(ticket, self._answer(message))
            self._apply(ticket, self._holding(message))
            self._flush()
        self.assertEqual(ticket.lexreply_state, "draft")
        with self.assertRaisesRegex(UserError, "may not see"):
            ticket.with_user(self.paralegal).action_lexreply_approve()
        for mail in self._mails_to("other.qa@example.com"):
            self.assertNotIn(FACT, mail["body"])

    def test_employee_on_company_ticket(self):
        company = self.env["res.partner"].create({"name": "ACME QA", "is_company": True})
        alice = self.env["res.partner"].create(
            {"name": "Alice QA", "email": "alice.qa@acme.example", "parent_id": company.id}
        )
        bob = self.env["res.partner"].create(
            {"name": "Bob QA", "email": "bob.qa@acme.example", "parent_id": company.id}
        )
        own = self.env["legal.case"].create({"name": "Alice's own", "partner_id": alice.id, "number": "2026-FAM-QA03"})
        shared = self.env["legal.case"].create({"name": "ACME lease", "partner_id": company.id, "number": "2026-COM-QA04"})
        ticket, message = self._client_ticket("alice.qa@acme.example")
        self.assertEqual(ticket.partner_id, alice)
        ticket.message_subscribe(partner_ids=bob.ids)
        with self.assertRaisesRegex(AccessError, "Bob QA may not see"):
            self._apply(ticket, self._answer(message, case_id=own.id, matter_ids=[own.id]))
        text = "ACME: matter 2026-COM-QA04 is in progress."
        with self.mock_mail_gateway():
            self._apply(ticket, self._answer(message, case_id=shared.id, matter_ids=[shared.id], client_text=text))
            self._flush()
        self.assertEqual(len(self._mails_to("bob.qa@acme.example")), 1, "a company matter reaches colleagues")
        for mail in self._mails:
            self.assertNotIn("2026-FAM-QA03", mail["body"])

    def test_line_answer_only_to_the_current_account(self):
        self.client.lexreply_line_user_id = "Uqa-current"
        ticket = self._ticket(lexreply_channel="line", lexreply_line_user_id="Uqa-current")
        message = ticket.message_post(
            body="進度？", author_id=self.client.id, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        line = {"delivered": "reply", "execution": dict(self._answer(message)["execution"], channel="line")}
        self.client.lexreply_line_user_id = "Uqa-new"  # relinked: the ticket is detached
        with self.assertRaisesRegex(AccessError, "LINE account"):
            self._apply(ticket, self._answer(message, **line))
        self.assertFalse(ticket.lexreply_line_user_id)

    # ------------------------------------------------------------------ mail loops

    def test_loop_capped_with_auto_submitted(self):
        """A responder answers every mail: at most the cap of automatic replies, then one activity."""
        raw, first = self._raw_mail('"Responder" <responder.qa@example.net>')
        ticket = self.Ticket.browse(self._process(raw))
        message = ticket.message_ids.filtered(lambda m: m.message_type == "email")
        with self.mock_mail_gateway():
            for _round in range(5):
                self._apply(ticket, self._holding(message, draft=False, state="escalated"))
                message = self._reply(ticket, first, "responder.qa@example.net")
            self._flush()
        mails = self._mails_to("responder.qa@example.net")
        self.assertEqual(len(mails), 3, "lexreply.autoreply_cap defaults to 3 an hour")
        for mail in mails:
            self.assertEqual(mail["headers"].get("Auto-Submitted"), "auto-replied")
        capped = ticket.activity_ids
        self.assertEqual(len(capped), 1, "a person is asked once")
        self.assertIn("automatic replies", str(capped.note))

    def test_nothing_relayed_to_the_firms_own_addresses(self):
        self.env.company.email = "office@firm-qa.example"
        for sender in (self.alias_email, "office@firm-qa.example"):
            with self.subTest(sender=sender), self.mock_mail_gateway():
                raw, _first = self._raw_mail('"Spoof" <%s>' % sender, subject="Loop %s" % sender)
                ticket_id = self._process(raw)
                if not ticket_id:
                    continue  # Odoo itself dropped mail from its own alias
                ticket = self.Ticket.browse(ticket_id)
                message = ticket.message_ids.filtered(lambda m: m.message_type == "email")[:1]
                self._apply(ticket, self._holding(message, draft=False, state="escalated"))
                self._flush()
                self.assertFalse(self._mails_to(sender))
                self.assertIn("firm's own address", str(ticket.activity_ids.note))

    # ------------------------------------------------------------------ the sidecar's one read

    def test_bot_one_nested_read(self):
        """The sidecar's single web_read (src/odoo/ticket-context.ts) works for the integration user
        on real Odoo: followers with their commercial entity, the message's verdict, the matters with
        only client-visible updates."""
        self.env["legal.case.update"].create(
            [
                {"case_id": self.case.id, "summary": "Filed", "client_visible": True},
                {"case_id": self.case.id, "summary": "Internal strategy", "client_visible": False},
            ]
        )
        ticket, message = self._client_ticket()
        ticket.message_subscribe(partner_ids=self.other_client.ids)
        case_spec = {
            "number": {}, "name": {}, "state": {}, "client_summary": {}, "partner_id": {},
            "update_ids": {"fields": {"date": {}, "summary": {}, "client_visible": {}}},
        }
        partner_spec = {
            "name": {}, "email": {}, "partner_share": {}, "lexreply_email_shared": {},
            "lexreply_case_ids": {"fields": case_spec},
            "commercial_partner_id": {"fields": {"name": {}, "lexreply_case_ids": {"fields": case_spec}}},
        }
        spec = {
            "name": {}, "partner_email": {}, "lexreply_channel": {}, "lexreply_state": {}, "lexreply_policy": {},
            "lexreply_line_user_id": {}, "lexreply_taken_over": {}, "user_id": {}, "lexreply_team_leader_id": {},
            "partner_id": {"fields": {"name": {}, "commercial_partner_id": {}, "lexreply_line_user_id": {}}},
            "message_partner_ids": {
                "fields": {"name": {}, "email": {}, "partner_share": {}, "is_company": {}, "commercial_partner_id": {}}
            },
            "lexreply_last_message_id": {
                "fields": {"body": {}, "model": {}, "res_id": {}, "lexreply_sender_auth": {}, "author_id": {"fields": partner_spec}}
            },
        }
        [row] = ticket.with_user(self.bot).web_read(spec)
        followers = {p["id"]: p for p in row["message_partner_ids"]}
        self.assertIn(self.other_client.id, followers)
        self.assertTrue(followers[self.other_client.id]["partner_share"])
        last = row["lexreply_last_message_id"]
        self.assertEqual(last["id"], message.id)
        self.assertEqual(last["lexreply_sender_auth"], "none")
        [case] = last["author_id"]["lexreply_case_ids"]
        self.assertEqual(case["number"], FACT)
        self.assertEqual([u["summary"] for u in case["update_ids"]], ["Filed"])

    def test_execution_rights(self):
        ticket, message = self._client_ticket()
        execution = self.env["lexreply.execution"].browse(self._apply(ticket, self._answer(message))["execution_id"])
        self.assertEqual(execution.with_user(self.paralegal).outcome, "sent", "paralegals read the log")
        with self.assertRaises(AccessError):
            execution.with_user(self.paralegal).write({"outcome": "draft"})
        with self.assertRaises(AccessError):
            self.env["lexreply.execution"].with_user(self.paralegal).create({"outcome": "sent"})
        for user in (self.bot, new_test_user(self.env, login="qa.exec.portal", groups="base.group_portal")):
            with self.assertRaises(AccessError):
                execution.with_user(user).read(["cost"])
        # the paralegal's views: list (with ticket and team), pivot, graph, search; totals per team
        Execution = self.env["lexreply.execution"].with_user(self.paralegal)
        views = Execution.get_views([(False, kind) for kind in ("list", "pivot", "graph", "form", "search")])
        self.assertIn('name="team_id"', views["views"]["list"]["arch"])
        [group] = Execution.read_group([("id", "=", execution.id)], ["cost:sum"], ["team_id"])
        self.assertEqual(group["team_id"][0], self.team.id)
        self.assertAlmostEqual(group["cost"], 0.0031, places=6)
        action = self.env.ref("lexreply.lexreply_execution_action")
        self.assertEqual(action.view_mode, "list,pivot,graph,form")

    def test_bot_cannot_mail_around_lexreply_apply(self):
        ticket, message = self._client_ticket()
        bot_ticket = ticket.with_user(self.bot)
        with self.mock_mail_gateway():
            attempts = {
                "comment": lambda: bot_ticket.message_post(
                    body=FACT, message_type="comment", subtype_xmlid="mail.mt_comment"
                ),
                "note to the client": lambda: bot_ticket.message_post(
                    body=FACT, message_type="comment", subtype_xmlid="mail.mt_note", partner_ids=self.client.ids
                ),
                "notify": lambda: bot_ticket.message_notify(body=FACT, partner_ids=self.client.ids),
                "composer": lambda: self.env["mail.compose.message"].with_user(self.bot).create(
                    {
                        "model": ticket._name,
                        "res_ids": ticket.ids,
                        "body": FACT,
                        "composition_mode": "mass_mail",
                    }
                ),
                "forged verdict": lambda: message.with_user(self.bot).write({"lexreply_sender_auth": "pass"}),
            }
            for what, attempt in attempts.items():
                with self.subTest(what=what), self.assertRaises(AccessError):
                    attempt()
            self._flush()
        self.assertFalse(self._mails)
        self.assertEqual(message.lexreply_sender_auth, "none")
