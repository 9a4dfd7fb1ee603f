"""Which addresses belong to the firm itself: LexReply never relays or answers to them,
so a mail that claims to come from the firm (or from one of its aliases) cannot start a loop."""

from odoo.tools import email_normalize


def firm_domains(env):
    return {name.lower() for name in env["mail.alias.domain"].sudo().search([]).mapped("name") if name}


def firm_addresses(env):
    """Normalized addresses of the companies, the internal users and every alias domain's
    catchall, bounce and default-from addresses."""
    env = env(su=True)
    addresses = set()
    addresses.update(env["res.company"].search([]).mapped("email"))
    addresses.update(
        env["res.users"].with_context(active_test=False).search([("share", "=", False)]).mapped("email")
    )
    for domain in env["mail.alias.domain"].search([]):
        addresses.update((domain.bounce_email, domain.catchall_email, domain.default_from_email))
    return {email_normalize(a) for a in addresses if a and email_normalize(a)}


def firm_own(env, emails):
    """The addresses among ``emails`` that are the firm's own (or not addresses at all:
    what cannot be read is not mailed)."""
    domains = firm_domains(env)
    own = firm_addresses(env)
    found = []
    for email in emails:
        norm = email_normalize(email or "")
        if not norm or norm in own or norm.rsplit("@", 1)[-1] in domains:
            found.append(email)
    return found
