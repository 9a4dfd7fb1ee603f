from odoo.tests import new_test_user


def make_bot(env):
    """The lexreply-bot user shipped as data, with a password for RPC-like tests."""
    return env.ref("lexreply.user_lexreply_bot")


def make_users(env):
    paralegal = new_test_user(
        env,
        login="test.paralegal",
        groups="base.group_user,lexreply.group_lexreply_paralegal",
        name="Test Paralegal",
    )
    lawyer = new_test_user(
        env,
        login="test.lawyer",
        groups="base.group_user,lexreply.group_lexreply_lawyer",
        name="Test Lawyer",
    )
    staff = new_test_user(env, login="test.staff", groups="base.group_user", name="Test Staff")
    return paralegal, lawyer, staff
