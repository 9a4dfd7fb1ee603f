"""The execution log is kept ``lexreply.execution_keep_days`` days (365 unless set)."""

from datetime import timedelta

from odoo import api, fields, models

DEFAULT_KEEP_DAYS = 365
PRUNE_BATCH = 1000


class LexReplyExecutionRetention(models.Model):
    _inherit = "lexreply.execution"

    @api.model
    def _lexreply_keep_days(self):
        raw = self.env["ir.config_parameter"].sudo().get_param("lexreply.execution_keep_days")
        try:
            return int(raw) if raw else DEFAULT_KEEP_DAYS
        except ValueError:
            return DEFAULT_KEEP_DAYS

    @api.model
    def _lexreply_cron_prune(self, batch=PRUNE_BATCH):
        """Delete one batch of records older than the kept days; the cron runs again at once
        (up to ten batches a run) while some are left. 0 or less keeps everything."""
        days = self._lexreply_keep_days()
        if days <= 0:
            return 0
        domain = [("create_date", "<", fields.Datetime.now() - timedelta(days=days))]
        Execution = self.sudo()
        old = Execution.search(domain, order="id", limit=batch)
        done = len(old)
        old.unlink()
        remaining = Execution.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done
