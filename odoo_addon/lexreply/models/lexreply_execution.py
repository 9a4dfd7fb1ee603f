import json
import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

# US$ per million tokens; the system parameter lexreply.model_prices overrides or adds models.
DEFAULT_MODEL_PRICES = {"gpt-5": {"input": 1.25, "cached": 0.125, "output": 10.0}}

OUTCOMES = [
    ("sent", "Sent"),
    ("draft", "Draft"),
    ("escalated", "Escalated"),
    ("failed", "Failed"),
]


def model_prices(env):
    prices = dict(DEFAULT_MODEL_PRICES)
    raw = env["ir.config_parameter"].sudo().get_param("lexreply.model_prices")
    if raw:
        try:
            configured = json.loads(raw)
        except ValueError:
            _logger.warning("LexReply: lexreply.model_prices is not JSON; using the default prices")
            configured = {}
        if isinstance(configured, dict):
            prices.update({k: v for k, v in configured.items() if isinstance(v, dict)})
    return prices


def answer_cost(env, model, tokens_in, tokens_cached, tokens_out):
    """US$ for one answer. ``tokens_in`` includes the cached ones (as the OpenAI usage reports
    them), which are billed at the cached price. An unknown model costs 0."""
    price = model_prices(env).get(model or "")
    if not price:
        return 0.0
    cached = max(0, min(tokens_cached or 0, tokens_in or 0))
    fresh = max(0, (tokens_in or 0) - cached)
    total = (
        fresh * float(price.get("input") or 0)
        + cached * float(price.get("cached") or 0)
        + max(0, tokens_out or 0) * float(price.get("output") or 0)
    )
    return total / 1_000_000


def format_cost(cost):
    return "US$%.4f" % (cost or 0.0)


class LexReplyExecution(models.Model):
    """One record per question LexReply handled; written by ``lexreply_apply`` only.

    The bridges add ``ticket_id`` and ``team_id`` (their comodels exist only with a helpdesk)."""

    _name = "lexreply.execution"
    _description = "LexReply execution"
    _order = "id desc"
    _rec_name = "id"

    kind = fields.Selection(
        [("answer", "Answer"), ("notice", "Notice"), ("reminder", "Reminder")],
        required=True,
        default="answer",
        readonly=True,
    )
    message_id = fields.Many2one(
        "mail.message", string="Client message", readonly=True, ondelete="set null", index=True
    )
    channel = fields.Selection([("email", "Email"), ("line", "LINE")], readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True, index=True)
    case_id = fields.Many2one("legal.case", string="Matter", readonly=True, index=True)
    outcome = fields.Selection(OUTCOMES, required=True, readonly=True, index=True)
    why = fields.Text(readonly=True)
    model = fields.Char(string="Model", readonly=True)
    model_latency_ms = fields.Integer(string="Model latency (ms)", readonly=True)
    reply_latency_ms = fields.Integer(
        string="Reply time (ms)",
        readonly=True,
        help="From the client's message to the reply.",
    )
    tokens_in = fields.Integer(string="Tokens in", readonly=True)
    tokens_cached = fields.Integer(string="Cached tokens", readonly=True)
    tokens_out = fields.Integer(string="Tokens out", readonly=True)
    cost = fields.Float(string="Cost (US$)", digits=(12, 6), readonly=True)
    check_verdict = fields.Selection(
        [("passed", "Passed"), ("failed", "Failed"), ("not_checked", "Not checked")],
        string="Fact check",
        readonly=True,
    )
    check_failures = fields.Text(string="Failed facts", readonly=True)

    @api.model
    def _lexreply_values(self, execution, outcome, message):
        """Values of the record from the sidecar's ``execution`` part of an outcome."""
        model = execution.get("model") or False
        tokens = {
            key: max(0, int(execution.get(key) or 0))
            for key in ("tokens_in", "tokens_cached", "tokens_out")
        }
        reply_ms = False
        if message and message.date:
            delta = fields.Datetime.now() - message.date
            reply_ms = max(0, int(delta.total_seconds() * 1000))
        return dict(
            tokens,
            kind="answer",
            message_id=message.id if message else False,
            channel=execution.get("channel") or False,
            outcome=outcome,
            why=execution.get("why") or False,
            model=model,
            model_latency_ms=int(execution.get("model_latency_ms") or 0),
            reply_latency_ms=reply_ms,
            cost=answer_cost(self.env, model, tokens["tokens_in"], tokens["tokens_cached"], tokens["tokens_out"]),
            check_verdict=execution.get("check_verdict") or "not_checked",
            check_failures=execution.get("check_failures") or False,
        )
