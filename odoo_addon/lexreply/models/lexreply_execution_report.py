"""The dashboard: one row per question LexReply handled, read through Odoo's graph and pivot.

Rows are not pre-aggregated, so every grouping (day, week, team, channel) computes its own
median and 95th percentile: the ``median`` and ``p95`` aggregators below become
``percentile_cont`` in the SQL Odoo's read_group writes."""

from odoo import api, fields, models, tools
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

from .lexreply_execution import OUTCOMES

PERCENTILES = {"median": 0.5, "p95": 0.95}


class LexReplyExecutionReport(models.Model):
    _name = "lexreply.execution.report"
    _description = "LexReply dashboard"
    _auto = False
    _order = "date desc"
    _rec_name = "date"

    date = fields.Datetime(string="Answered on", readonly=True)
    channel = fields.Selection([("email", "Email"), ("line", "LINE")], readonly=True)
    outcome = fields.Selection(OUTCOMES, readonly=True)
    model = fields.Char(string="Model", readonly=True)
    questions = fields.Integer(string="Questions", readonly=True, aggregator="sum")
    without_person = fields.Float(
        string="Answered without a person (%)",
        readonly=True,
        aggregator="avg",
        digits=(5, 1),
        help="Questions LexReply sent an answer to on its own, out of all questions.",
    )
    reply_median_s = fields.Float(
        string="Median reply time (s)", readonly=True, aggregator="median", digits=(12, 1)
    )
    reply_p95_s = fields.Float(
        string="95th percentile reply time (s)", readonly=True, aggregator="p95", digits=(12, 1)
    )
    cost = fields.Float(string="Cost (US$)", readonly=True, aggregator="sum", digits=(12, 4))
    cost_per_answer = fields.Float(
        string="Cost per answer (US$)",
        readonly=True,
        aggregator="avg",
        digits=(12, 5),
        help="What one question cost on average, whether it was sent, drafted or escalated.",
    )

    def _lexreply_extra_columns(self):
        """Columns a bridge adds to the report (its team), as they appear in lexreply_execution."""
        return [name for name in ("team_id",) if name in self._fields]

    @api.model
    def _lexreply_query(self):
        extra = SQL("").join(
            SQL("e.%s AS %s, ", SQL.identifier(name), SQL.identifier(name))
            for name in self._lexreply_extra_columns()
        )
        reply_s = SQL("e.reply_latency_ms / 1000.0")
        return SQL(
            """SELECT e.id AS id, e.create_date AS date, e.channel AS channel,
                      e.outcome AS outcome, e.model AS model, %(extra)s
                      1 AS questions,
                      CASE WHEN e.outcome = 'sent' THEN 100.0 ELSE 0.0 END AS without_person,
                      %(reply_s)s AS reply_median_s, %(reply_s)s AS reply_p95_s,
                      e.cost AS cost, e.cost AS cost_per_answer
                 FROM lexreply_execution e
                WHERE e.kind = 'answer'""",
            extra=extra,
            reply_s=reply_s,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._lexreply_query())
        )

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec != "__count":
            fname, property_name, func = parse_read_group_spec(aggregate_spec)
            if func in PERCENTILES and not property_name and fname in self._fields:
                column = self._field_to_sql(self._table, fname, query)
                return SQL(
                    "percentile_cont(%s) WITHIN GROUP (ORDER BY %s)", PERCENTILES[func], column
                )
        return super()._read_group_select(aggregate_spec, query)
