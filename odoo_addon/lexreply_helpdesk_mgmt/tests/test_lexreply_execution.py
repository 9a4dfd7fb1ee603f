"""The execution log as the firm sees it on a real Odoo 18: one record per answered question,
who may read it, the dashboard's numbers and how long records are kept."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.mail.tests.common import MockEmail

from . import test_lexreply_apply as apply_tests
from .common import LexReplyTicketCase

MEASURES = [
    "questions:sum",
    "without_person:avg",
    "reply_median_s:median",
    "reply_p95_s:p95",
    "cost_per_answer:avg",
    "cost:sum",
]


@tagged("post_install", "-at_install")
class TestLexReplyExecution(LexReplyTicketCase, MockEmail):
    # The outcome an answered e-mail gets from the sidecar, as test_lexreply_apply builds it.
    # (The module, not the class, is imported: the class itself would run its tests twice.)
    _answer = apply_tests.TestLexReplyApply._answer
    _apply = apply_tests.TestLexReplyApply._apply
    _client_ticket = apply_tests.TestLexReplyApply._client_ticket

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Execution = cls.env["lexreply.execution"]
        cls.Report = cls.env["lexreply.execution.report"]
        cls.portal = new_test_user(cls.env, login="qa.exec.portal2", groups="base.group_portal")
        cls.team_b = cls.env["helpdesk.ticket.team"].create({"name": "QA Second Desk"})

    def _log(self, team, outcome, reply_s, cost, **values):
        return self.Execution.create(
            dict(
                {
                    "team_id": team.id,
                    "channel": "email",
                    "outcome": outcome,
                    "model": "gpt-5",
                    "reply_latency_ms": int(reply_s * 1000),
                    "cost": cost,
                },
                **values,
            )
        )

    def _known_set(self):
        # Team A: five questions, three sent on their own; team B: one that failed.
        for outcome, reply_s, cost in [
            ("sent", 1, 0.001),
            ("sent", 2, 0.002),
            ("draft", 3, 0.003),
            ("sent", 4, 0.004),
            ("escalated", 100, 0.005),
        ]:
            self._log(self.team, outcome, reply_s, cost)
        self._log(self.team_b, "failed", 10, 0.01)
        # A notice is logged but is no question: not on the dashboard.
        self._log(self.team, "sent", 500, 0.5, kind="notice")

    def _dashboard(self, groupby, user=None):
        Report = self.Report if user is None else self.Report.with_user(user)
        domain = [("team_id", "in", (self.team | self.team_b).ids)]
        return Report.read_group(domain, MEASURES, groupby, lazy=False)

    # ------------------------------------------------------------------ the record

    def test_answered_email_leaves_one_record(self):
        ticket, message = self._client_ticket()
        with self.mock_mail_gateway():
            self._apply(ticket, self._answer(message))
        execution = self.Execution.search([("ticket_id", "=", ticket.id)])
        self.assertEqual(len(execution), 1)
        self.assertEqual((execution.outcome, execution.kind, execution.team_id), ("sent", "answer", self.team))
        self.assertEqual((execution.tokens_in, execution.tokens_out), (2000, 60))
        self.assertEqual(execution.model_latency_ms, 1200)
        self.assertGreater(execution.reply_latency_ms, 0, "the client's mail is dated before the reply")
        self.assertGreater(execution.cost, 0)
        # the dashboard counts it, for the paralegal, under the ticket's team
        [row] = self.Report.with_user(self.paralegal).read_group(
            [("id", "=", execution.id)], MEASURES, ["team_id"], lazy=False
        )
        self.assertEqual(row["team_id"][0], self.team.id)
        self.assertEqual((row["questions"], row["without_person"]), (1, 100.0))
        self.assertAlmostEqual(row["cost"], execution.cost, places=6)
        self.assertAlmostEqual(row["reply_median_s"], execution.reply_latency_ms / 1000.0, places=3)

    # ------------------------------------------------------------------ rights

    def test_rights(self):
        self._known_set()
        ticket, message = self._client_ticket()
        self._apply(ticket, self._answer(message))
        everything = self.Execution.search([])
        self.assertGreaterEqual(len(everything), 8)
        as_paralegal = self.Execution.with_user(self.paralegal)
        self.assertEqual(as_paralegal.search([]), everything.with_user(self.paralegal), "paralegals read all")
        self.assertEqual(len(as_paralegal.browse(everything.ids).read(["cost", "team_id"])), len(everything))
        self.assertEqual(self.Report.with_user(self.paralegal).search_count([]), 7, "answers only")
        for refused in (
            lambda: everything[0].with_user(self.paralegal).write({"cost": 0}),
            lambda: everything[0].with_user(self.paralegal).unlink(),
            lambda: as_paralegal.create({"outcome": "sent"}),
            lambda: everything[0].with_user(self.bot).write({"cost": 0}),
        ):
            with self.assertRaises(AccessError):
                refused()
        for user in (self.portal, self.bot, self.leader):
            with self.assertRaises(AccessError, msg=user.login):
                self.Execution.with_user(user).search([])
            with self.assertRaises(AccessError, msg=user.login):
                self.Report.with_user(user).search([])
        self.assertEqual(everything.exists(), everything, "nothing was deleted")

    # ------------------------------------------------------------------ the dashboard's numbers

    def test_dashboard_numbers(self):
        self._known_set()
        by_team = {row["team_id"][0]: row for row in self._dashboard(["team_id"], self.paralegal)}
        a, b = by_team[self.team.id], by_team[self.team_b.id]
        self.assertEqual(a["questions"], 5)
        self.assertAlmostEqual(a["without_person"], 60.0)
        self.assertAlmostEqual(a["reply_median_s"], 3.0)
        # percentile_cont: between the 4th (4 s) and 5th (100 s) value, 80 % of the way
        self.assertAlmostEqual(a["reply_p95_s"], 80.8)
        self.assertAlmostEqual(a["cost_per_answer"], 0.003)
        self.assertAlmostEqual(a["cost"], 0.015)
        self.assertEqual((b["questions"], b["without_person"], b["reply_median_s"]), (1, 0.0, 10.0))
        # per day, both teams together: the median of all six, not a mean of the teams' medians
        [day] = self._dashboard(["date:day"])
        self.assertEqual(day["questions"], 6)
        self.assertAlmostEqual(day["without_person"], 50.0)
        self.assertAlmostEqual(day["reply_median_s"], 3.5)
        self.assertAlmostEqual(day["cost"], 0.025)
        self.assertAlmostEqual(day["cost_per_answer"], 0.025 / 6)

    # ------------------------------------------------------------------ retention

    def _age(self, records, days):
        self.env.cr.execute(
            "UPDATE lexreply_execution SET create_date = %s WHERE id IN %s",
            (fields.Datetime.now() - timedelta(days=days), tuple(records.ids)),
        )
        self.Execution.invalidate_model(["create_date"])

    def test_retention_cron(self):
        old = self._log(self.team, "sent", 1, 0.001) | self._log(self.team, "draft", 1, 0.001)
        old |= self._log(self.team_b, "sent", 1, 0.001)
        edge = self._log(self.team, "sent", 1, 0.001)
        recent = self._log(self.team, "sent", 1, 0.001)
        self._age(old, 400)
        self._age(edge, 364)
        # the default: a year; one batch a call, the cron repeats while some are left
        self.assertEqual(self.Execution._lexreply_cron_prune(batch=2), 2)
        self.assertEqual(len(old.exists()), 1)
        self.assertEqual(self.Execution._lexreply_cron_prune(batch=2), 1)
        self.assertFalse(old.exists())
        self.assertEqual((edge | recent).exists(), edge | recent)
        # a shorter period set by the firm, run by the daily cron itself
        self.env["ir.config_parameter"].sudo().set_param("lexreply.execution_keep_days", "30")
        cron = self.env.ref("lexreply.ir_cron_lexreply_execution_prune")
        self.assertEqual((cron.interval_number, cron.interval_type, cron.active), (1, "days", True))
        cron.method_direct_trigger()
        self.assertEqual((edge | recent).exists(), recent)
        # 0 keeps everything
        self.env["ir.config_parameter"].sudo().set_param("lexreply.execution_keep_days", "0")
        self._age(recent, 4000)
        self.assertEqual(self.Execution._lexreply_cron_prune(), 0)
        self.assertTrue(recent.exists())
