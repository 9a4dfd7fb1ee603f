"""Remove the first release's portal rules on matters (too wide: a company's portal users saw
their colleagues' own matters). They were noupdate, so an upgrade alone would keep them."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid in ("lexreply.legal_case_rule_portal", "lexreply.legal_case_update_rule_portal"):
        rule = env.ref(xmlid, raise_if_not_found=False)
        if rule:
            rule.unlink()
