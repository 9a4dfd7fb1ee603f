from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .sidecar_stub import SidecarStub, free_port


@tagged("post_install", "-at_install")
class TestLexReplySettings(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.bot = cls.env.ref("lexreply.user_lexreply_bot")

    def _settings(self, **vals):
        return self.env["res.config.settings"].with_user(self.admin).create(vals)

    def test_settings_are_system_parameters(self):
        self._settings(
            lexreply_sidecar_url="http://127.0.0.1:3000",
            lexreply_ask_secret="s3cret",
            lexreply_default_policy="auto_if_grounded",
        ).execute()
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("lexreply.sidecar_url"), "http://127.0.0.1:3000")
        self.assertEqual(params.get_param("lexreply.ask_secret"), "s3cret")
        self.assertEqual(params.get_param("lexreply.default_policy"), "auto_if_grounded")

    def test_test_connection_unreachable(self):
        url = "http://127.0.0.1:%s" % free_port()
        action = self._settings(lexreply_sidecar_url=url).action_lexreply_test_connection()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "danger")
        self.assertEqual(
            action["params"]["message"],
            "Could not reach the sidecar at %s: connection refused" % url,
        )

    def test_test_connection_ok_and_http_error(self):
        with SidecarStub(status=200, body=b'{"ok":true}') as stub:
            action = self._settings(lexreply_sidecar_url=stub.url + "/").action_lexreply_test_connection()
            self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
            self.assertEqual(stub.requests[-1]["method"], "GET")
            self.assertEqual(stub.requests[-1]["path"], "/healthz")
            stub.status = 503
            action = self._settings(lexreply_sidecar_url=stub.url).action_lexreply_test_connection()
            self.assertEqual(action["params"]["type"], "danger")
            self.assertIn("503", action["params"]["message"])

    def test_generate_bot_key(self):
        Keys = self.env["res.users.apikeys"]
        settings = self._settings()
        first = settings.action_lexreply_generate_bot_key()["context"]["default_key"]
        self.assertEqual(Keys._check_credentials(scope="rpc", key=first), self.bot.id)
        action = settings.action_lexreply_generate_bot_key()
        second = action["context"]["default_key"]
        self.assertEqual(action["res_model"], "lexreply.bot.key.wizard")
        self.assertEqual(action["context"]["default_login"], "lexreply-bot")
        self.assertNotEqual(first, second)
        self.assertEqual(Keys._check_credentials(scope="rpc", key=second), self.bot.id)
        self.assertFalse(
            Keys._check_credentials(scope="rpc", key=first), "the previous key is revoked"
        )
        self.assertEqual(Keys.sudo().search_count([("user_id", "=", self.bot.id)]), 1)

    def test_generate_bot_key_admin_only(self):
        user = new_test_user(self.env, login="settings.user", groups="base.group_user,base.group_erp_manager")
        settings = self.env["res.config.settings"].sudo().create({}).with_user(user)
        with self.assertRaises(AccessError):
            settings.action_lexreply_generate_bot_key()
