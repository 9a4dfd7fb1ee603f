from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import email_normalize

WINDOW = timedelta(hours=1)
DEFAULT_CAP = 3


class LexReplyAutoreply(models.Model):
    """What LexReply mailed automatically, and to whom: the loop guard counts these.

    Technical: nobody has access rights; the addon reads and writes it as superuser."""

    _name = "lexreply.autoreply"
    _description = "LexReply automatic reply (loop guard)"
    _order = "id desc"

    email = fields.Char(required=True, index=True, readonly=True)
    capped = fields.Boolean(
        readonly=True, help="Not mailed: the address had reached the cap of automatic replies."
    )
    res_model = fields.Char(readonly=True)
    res_id = fields.Integer(readonly=True)

    @api.model
    def _cap(self):
        raw = self.env["ir.config_parameter"].sudo().get_param("lexreply.autoreply_cap")
        try:
            return max(0, int(raw)) if raw not in (None, False, "") else DEFAULT_CAP
        except ValueError:
            return DEFAULT_CAP

    def _recent(self, emails, capped):
        since = fields.Datetime.now() - WINDOW
        return self.sudo().search_count(
            [("email", "in", list(emails)), ("capped", "=", capped), ("create_date", ">=", since)]
        )

    @api.model
    def _over_cap(self, emails):
        """The addresses among ``emails`` that already got the cap of automatic replies this hour."""
        cap = self._cap()
        return sorted(e for e in emails if self._recent([e], False) >= cap)

    @api.model
    def _already_asked(self, emails):
        """A person was already asked this hour about mail to one of ``emails`` being capped."""
        return bool(self._recent(emails, True))

    @api.model
    def _prune(self):
        """Rows older than a day count for nothing any more."""
        self.sudo().search([("create_date", "<", fields.Datetime.now() - timedelta(days=1))]).unlink()

    @api.model
    def _record(self, emails, record, capped=False):
        self.sudo().create(
            [
                {"email": email, "capped": capped, "res_model": record._name, "res_id": record.id}
                for email in emails
            ]
        )


def normalized(emails):
    return sorted({email_normalize(e) or (e or "").strip().lower() for e in emails if e})
