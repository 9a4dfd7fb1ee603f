from odoo.exceptions import AccessError

INTEGRATION_GROUP = "lexreply.group_lexreply_integration"


def check_integration_write(env, names, allowed, refusal):
    """The integration user writes only what LexReply needs: any other field it names is refused.

    ``allowed(name)`` says whether a field may be written; ``refusal(fields)`` builds the translated
    message from the refused names. Superuser and administrators are not restricted.
    """
    if env.su:
        return
    user = env.user
    if not user.has_group(INTEGRATION_GROUP) or user.has_group("base.group_system"):
        return
    extra = sorted(name for name in names if not allowed(name))
    if extra:
        raise AccessError(refusal(", ".join(extra)))


def is_restricted_integration(env):
    """The caller is the integration user acting for itself (not as superuser, not an admin)."""
    if env.su:
        return False
    user = env.user
    return user.has_group(INTEGRATION_GROUP) and not user.has_group("base.group_system")
