import re

from psycopg2 import IntegrityError

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestLegalCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.env["res.partner"].create(
            {"name": "測試客戶 Test Client", "email": "client.case@example.com"}
        )

    def _case(self, case_type, **vals):
        return self.env["legal.case"].create(
            dict({"name": "Matter", "partner_id": self.client.id, "case_type": case_type}, **vals)
        )

    def test_number_from_case_type_sequence(self):
        first = self._case("family")
        second = self._case("family")
        labor = self._case("labor")
        self.assertRegex(first.number, r"^\d{4}-FAM-\d{4}$")
        self.assertRegex(labor.number, r"^\d{4}-LAB-\d{4}$")
        year = str(first.create_date.year)
        self.assertTrue(first.number.startswith(year + "-"), first.number)
        seq_first = int(first.number.rsplit("-", 1)[1])
        seq_second = int(second.number.rsplit("-", 1)[1])
        self.assertEqual(seq_second, seq_first + 1)

    def test_every_case_type_has_a_code(self):
        codes = set()
        for key, _label in self.env["legal.case"]._fields["case_type"].selection:
            number = self._case(key).number
            match = re.match(r"^\d{4}-([A-Z]{3})-\d{4}$", number)
            self.assertTrue(match, number)
            codes.add(match.group(1))
        self.assertEqual(len(codes), 9, "each case type has its own code")

    def test_explicit_number_kept_and_unique(self):
        case = self._case("civil", number="2025-CIV-0999")
        self.assertEqual(case.number, "2025-CIV-0999")
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self._case("civil", number="2025-CIV-0999")

    def test_closed_date_follows_state(self):
        case = self._case("civil")
        self.assertFalse(case.closed_date)
        case.state = "closed"
        self.assertTrue(case.closed_date)
        case.state = "in_progress"
        self.assertFalse(case.closed_date)

    def test_partner_matters_and_smart_button(self):
        company = self.env["res.partner"].create({"name": "ACME 公司", "is_company": True})
        contact = self.env["res.partner"].create({"name": "Contact", "parent_id": company.id})
        case = self.env["legal.case"].create(
            {"name": "Company matter", "partner_id": company.id, "case_type": "commercial"}
        )
        self.assertEqual(company.lexreply_case_ids, case)
        self.assertEqual(company.lexreply_case_count, 1)
        self.assertEqual(contact.lexreply_case_count, 1, "a contact sees its company's matters")
        action = contact.action_lexreply_view_cases()
        self.assertEqual(self.env["legal.case"].search(action["domain"]), case)

    def test_zh_tw_translation(self):
        self.env["res.lang"]._activate_lang("zh_TW")
        self.env["ir.module.module"]._load_module_terms(["lexreply"], ["zh_TW"], overwrite=True)
        Case = self.env["legal.case"].with_context(lang="zh_TW")
        info = Case.fields_get(["case_type", "internal_note", "number"])
        self.assertEqual(info["number"]["string"], "案號")
        self.assertEqual(dict(info["case_type"]["selection"])["family"], "家事")
        self.assertEqual(info["internal_note"]["string"], "內部備註")
        self.assertEqual(
            self.env.ref("lexreply.menu_lexreply_root").with_context(lang="zh_TW").name, "案件"
        )
