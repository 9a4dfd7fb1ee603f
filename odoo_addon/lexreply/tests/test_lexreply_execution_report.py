"""The dashboard in the core alone (no helpdesk bridge): per channel and per day its numbers are
PostgreSQL's own percentile_cont over the questions of that group."""

from odoo.tests import TransactionCase, tagged

from .common import make_users


@tagged("post_install", "-at_install")
class TestLexReplyExecutionReport(TransactionCase):
    def test_numbers_per_channel(self):
        paralegal = make_users(self.env)[0]
        Execution = self.env["lexreply.execution"]
        created = Execution
        for channel, outcome, reply_ms, cost in [
            ("email", "sent", 2000, 0.002),
            ("email", "draft", 4000, 0.004),
            ("line", "sent", 1000, 0.001),
            ("line", "sent", 3000, 0.003),
            ("line", "escalated", 9000, 0.005),
        ]:
            created |= Execution.create(
                {"channel": channel, "outcome": outcome, "reply_latency_ms": reply_ms, "cost": cost}
            )
        groups = self.env["lexreply.execution.report"].with_user(paralegal).read_group(
            [("id", "in", created.ids)],
            ["questions:sum", "without_person:avg", "reply_median_s:median", "reply_p95_s:p95", "cost:sum"],
            ["channel"],
            lazy=False,
        )
        rows = {row["channel"]: row for row in groups}
        self.assertEqual(rows["email"]["questions"], 2)
        self.assertAlmostEqual(rows["email"]["without_person"], 50.0)
        self.assertAlmostEqual(rows["email"]["reply_median_s"], 3.0)
        self.assertAlmostEqual(rows["line"]["without_person"], 200 / 3)
        self.assertAlmostEqual(rows["line"]["reply_median_s"], 3.0)
        # 90 % of the way from the 2nd (3 s) to the 3rd (9 s) value
        self.assertAlmostEqual(rows["line"]["reply_p95_s"], 8.4)
        self.assertAlmostEqual(rows["line"]["cost"], 0.009)
