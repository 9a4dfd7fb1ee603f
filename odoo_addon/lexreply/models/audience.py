"""The audience rule (DESIGN, "Only to those who may see it"), enforced again in Odoo.

Before anything with case data leaves Odoo, everyone it will reach must be a known partner
who may see every matter it speaks of. A matter is visible to partner R when its partner is R,
or when its partner is a company and R's commercial entity is that company."""


def matter_visible_to(case, partner):
    client = case.partner_id
    if not client or not partner:
        return False
    if client == partner:
        return True
    return bool(client.is_company and client == partner.commercial_partner_id)


def audience_failure(env, ticket, author, cases, line_delivery=False):
    """Why the client-facing text may not go out (a translated sentence), or None.

    Recipients: the ticket's partner, every share partner following the ticket (but the
    integration user's), the ``partner_email`` relay when the ticket has no partner, and on LINE
    the account the ticket is bound to."""
    _ = env._
    ticket = ticket.sudo()
    partner = ticket.partner_id
    if not partner:
        return _("the ticket has no known client (it would go to an unknown address)")
    if author != partner:
        return _("the message's author is not the ticket's client")
    bot = env.ref("lexreply.user_lexreply_bot", raise_if_not_found=False)
    followers = ticket.message_partner_ids.filtered(
        lambda p: p.partner_share and (not bot or p != bot.partner_id)
    )
    recipients = partner | followers
    if line_delivery:
        line_id = ticket.lexreply_line_user_id
        if not line_id or partner.lexreply_line_user_id != line_id:
            return _("the ticket's LINE account is no longer the client's")
    for case in cases:
        for recipient in recipients:
            if not matter_visible_to(case, recipient):
                return _(
                    "%(recipient)s may not see the matter %(matter)s",
                    recipient=recipient.display_name,
                    matter=case.display_name,
                )
    return None
