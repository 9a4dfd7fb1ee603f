from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import make_users


@tagged("post_install", "-at_install")
class TestLexReplySecurity(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bot = cls.env.ref("lexreply.user_lexreply_bot")
        cls.paralegal, cls.lawyer, cls.staff = make_users(cls.env)
        cls.client = cls.env["res.partner"].create(
            {"name": "王大同", "email": "wang.datong@example.com"}
        )
        cls.other = cls.env["res.partner"].create(
            {"name": "Other Client", "email": "other@example.com"}
        )
        cls.case = cls.env["legal.case"].create(
            {
                "name": "Custody",
                "partner_id": cls.client.id,
                "case_type": "family",
                "internal_note": "<p>Fee dispute; settle at 50%</p>",
                "client_summary": "Hearing set.",
                "paralegal_id": cls.paralegal.id,
            }
        )
        cls.other_case = cls.env["legal.case"].create(
            {"name": "Other", "partner_id": cls.other.id, "case_type": "civil"}
        )
        cls.visible = cls.env["legal.case.update"].create(
            {"case_id": cls.case.id, "summary": "Filed", "client_visible": True}
        )
        cls.hidden = cls.env["legal.case.update"].create(
            {"case_id": cls.case.id, "summary": "Called opposing counsel", "client_visible": False}
        )

    def test_shared_email_flagged_for_the_bot(self):
        twin = self.env["res.partner"].create({"name": "王大同 (old record)", "email": "Wang.Datong@example.com"})
        rows = (self.client | self.other | twin).with_user(self.bot).web_read({"lexreply_email_shared": {}})
        shared = {row["id"]: row["lexreply_email_shared"] for row in rows}
        self.assertTrue(shared[self.client.id])
        self.assertTrue(shared[twin.id])
        self.assertFalse(shared[self.other.id])

    def test_bot_user_shipped(self):
        self.assertEqual(self.bot.login, "lexreply-bot")
        self.assertFalse(self.bot.share, "an internal user")
        self.assertTrue(self.bot.has_group("lexreply.group_lexreply_integration"))
        self.assertFalse(self.bot.has_group("lexreply.group_lexreply_paralegal"))
        self.assertFalse(self.bot.has_group("base.group_partner_manager"))

    def test_bot_cannot_read_internal_note(self):
        case = self.case.with_user(self.bot)
        # Real Odoo 18: naming the field raises AccessError ...
        with self.assertRaises(AccessError):
            case.read(["internal_note"])
        with self.assertRaises(AccessError):
            case.web_read({"name": {}, "internal_note": {}})
        with self.assertRaises(AccessError):
            case.search_read([("id", "=", self.case.id)], ["internal_note"])
        # ... while a read without a field list silently leaves it out.
        values = case.read()[0]
        self.assertNotIn("internal_note", values)
        self.assertEqual(values["client_summary"], "Hearing set.")
        self.assertNotIn("internal_note", case.fields_get())

    def test_staff_read_internal_note(self):
        self.assertIn("Fee dispute", self.case.with_user(self.paralegal).internal_note)
        self.assertIn("Fee dispute", self.case.with_user(self.lawyer).internal_note)
        with self.assertRaises(AccessError):
            self.case.with_user(self.staff).read(["internal_note"])

    def test_bot_sees_only_client_visible_updates(self):
        updates = self.env["legal.case.update"].with_user(self.bot).search(
            [("case_id", "=", self.case.id)]
        )
        self.assertEqual(updates, self.visible)
        data = self.case.with_user(self.bot).web_read(
            {"update_ids": {"fields": {"summary": {}, "client_visible": {}}}}
        )[0]
        self.assertEqual([u["id"] for u in data["update_ids"]], [self.visible.id])
        staff_updates = self.env["legal.case.update"].with_user(self.paralegal).search(
            [("case_id", "=", self.case.id)]
        )
        self.assertEqual(staff_updates, self.visible | self.hidden)

    def test_bot_is_read_only_on_matters(self):
        with self.assertRaises(AccessError):
            self.case.with_user(self.bot).write({"name": "x"})
        with self.assertRaises(AccessError):
            self.env["legal.case"].with_user(self.bot).create(
                {"name": "x", "partner_id": self.client.id}
            )

    def test_bot_partner_rights(self):
        Partner = self.env["res.partner"].with_user(self.bot)
        with self.assertRaises(AccessError):
            Partner.create({"name": "Intruder", "email": "intruder@example.com"})
        client = self.client.with_user(self.bot)
        client.write(
            {"lexreply_line_user_id": "U123", "lexreply_line_verified_at": "2026-01-01 10:00:00"}
        )
        self.assertEqual(self.client.lexreply_line_user_id, "U123")
        with self.assertRaises(AccessError):
            client.write({"email": "evil@example.com"})
        # the matters of the partner in one nested read
        data = client.web_read(
            {"lexreply_case_ids": {"fields": {"number": {}, "state": {}, "client_summary": {}}}}
        )[0]
        self.assertEqual([c["id"] for c in data["lexreply_case_ids"]], [self.case.id])

    def test_line_id_read_only_for_ordinary_users(self):
        with self.assertRaises(AccessError):
            self.client.with_user(self.paralegal).write({"lexreply_line_user_id": "Uabc"})
        # other fields stay editable for staff with contact rights
        self.env.ref("base.group_partner_manager").users += self.paralegal
        self.client.with_user(self.paralegal).write({"phone": "+886 2 1234 5678"})

    def test_line_id_unique(self):
        self.client.lexreply_line_user_id = "Udup"
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.other.lexreply_line_user_id = "Udup"
            self.env.flush_all()

    def test_portal_colleague_matters_hidden_company_matters_shown(self):
        """A company's portal user sees his own matters and the company's, not a colleague's own."""
        company = self.env["res.partner"].create({"name": "ACME Ltd", "is_company": True})
        alice = new_test_user(self.env, login="portal.alice", groups="base.group_portal", name="Alice")
        bob = new_test_user(self.env, login="portal.bob", groups="base.group_portal", name="Bob")
        (alice.partner_id | bob.partner_id).parent_id = company
        Case = self.env["legal.case"]
        alice_case = Case.create({"name": "Alice divorce", "partner_id": alice.partner_id.id})
        bob_case = Case.create({"name": "Bob custody", "partner_id": bob.partner_id.id})
        company_case = Case.create({"name": "ACME lease", "partner_id": company.id})
        Update = self.env["legal.case.update"]
        bob_update = Update.create({"case_id": bob_case.id, "summary": "Bob filed", "client_visible": True})
        company_update = Update.create({"case_id": company_case.id, "summary": "Signed", "client_visible": True})
        Update.create({"case_id": company_case.id, "summary": "Internal", "client_visible": False})
        self.assertEqual(Case.with_user(alice).search([]), alice_case | company_case)
        self.assertEqual(Case.with_user(bob).search([]), bob_case | company_case)
        with self.assertRaises(AccessError):
            bob_case.with_user(alice).read(["name"])
        self.assertEqual(Update.with_user(alice).search([]), company_update)
        with self.assertRaises(AccessError):
            bob_update.with_user(alice).read(["summary"])

    def test_non_paralegal_staff_see_client_visible_updates_only(self):
        Update = self.env["legal.case.update"]
        self.assertEqual(Update.with_user(self.staff).search([("case_id", "=", self.case.id)]), self.visible)
        with self.assertRaises(AccessError):
            self.hidden.with_user(self.staff).read(["summary"])
        self.assertEqual(
            Update.with_user(self.paralegal).search([("case_id", "=", self.case.id)]),
            self.visible | self.hidden,
        )
        self.assertEqual(
            Update.with_user(self.lawyer).search([("case_id", "=", self.case.id)]),
            self.visible | self.hidden,
        )

    def test_bot_reads_no_matter_chatter_nor_attachments(self):
        note = self.case.message_post(
            body="Opposing counsel offered 2M", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        attachment = self.env["ir.attachment"].create(
            {"name": "strategy.txt", "raw": b"settle at 50%", "res_model": "legal.case", "res_id": self.case.id}
        )
        Message = self.env["mail.message"].with_user(self.bot)
        self.assertFalse(Message.search([("model", "=", "legal.case")]))
        with self.assertRaises(AccessError):
            note.with_user(self.bot).read(["body"])
        [values] = self.case.with_user(self.bot).read(["message_ids"])
        self.assertFalse(values["message_ids"], "no matter chatter through the one2many either")
        Attachment = self.env["ir.attachment"].with_user(self.bot)
        self.assertFalse(Attachment.search([("res_model", "=", "legal.case")]))
        with self.assertRaises(AccessError):
            attachment.with_user(self.bot).read(["raw"])
        # paralegals still read both
        self.assertEqual(note.with_user(self.paralegal).body, note.body)
        self.assertTrue(attachment.with_user(self.paralegal).raw)

    def test_line_fields_guarded_on_create_and_import(self):
        Partner = self.env["res.partner"].with_user(self.paralegal)
        self.env.ref("base.group_partner_manager").users += self.paralegal
        with self.assertRaises(AccessError):
            Partner.create({"name": "Forged", "lexreply_line_user_id": "Uforged"})
        result = Partner.load(["name", "lexreply_line_user_id"], [["Imported", "Uimported"]])
        self.assertFalse(result["ids"], "the import is refused")
        self.assertFalse(self.env["res.partner"].search([("lexreply_line_user_id", "=", "Uimported")]))
        # without LINE fields, contacts are created as usual
        self.assertTrue(Partner.create({"name": "Plain contact"}))

    def test_portal_sees_own_matters_only(self):
        portal = new_test_user(
            self.env,
            login="portal.client",
            groups="base.group_portal",
            name="Portal Client",
        )
        portal.partner_id.parent_id = False
        self.case.partner_id = portal.partner_id
        cases = self.env["legal.case"].with_user(portal).search([])
        self.assertEqual(cases, self.case)
        updates = self.env["legal.case.update"].with_user(portal).search([])
        self.assertEqual(updates, self.visible)
        with self.assertRaises(AccessError):
            self.other_case.with_user(portal).read(["name"])

    def test_staff_rights_on_matters(self):
        case = self.env["legal.case"].with_user(self.paralegal).create(
            {"name": "New intake", "partner_id": self.client.id, "case_type": "labor"}
        )
        case.write({"state": "in_progress", "internal_note": "<p>conflict check done</p>"})
        with self.assertRaises(AccessError):
            case.unlink()
        case.with_user(self.lawyer).unlink()
        with self.assertRaises(AccessError):
            self.env["legal.case"].with_user(self.staff).create(
                {"name": "x", "partner_id": self.client.id}
            )
        # other internal staff may read matters, not their internal note
        self.assertEqual(self.case.with_user(self.staff).client_summary, "Hearing set.")

    def test_bot_posts_on_partner(self):
        message = self.client.with_user(self.bot).message_post(
            body="LINE linking code sent", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        self.assertEqual(message.author_id, self.bot.partner_id)
