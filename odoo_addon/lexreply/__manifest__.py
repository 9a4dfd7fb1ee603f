# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "LexReply",
    "summary": "Matters, client-visible case updates and the hooks that let the "
    "LexReply sidecar answer clients on LINE and by email",
    "version": "18.0.1.0.0",
    "license": "LGPL-3",
    "category": "Services/Legal",
    "author": "LexReply",
    "website": "https://github.com/lexreply/lexreply",
    "depends": ["mail", "base_automation"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/lexreply_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/ir_config_parameter_data.xml",
        "data/res_users_data.xml",
        "views/legal_case_views.xml",
        "views/legal_case_update_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/lexreply_bot_key_wizard_views.xml",
        "views/lexreply_menus.xml",
    ],
    "demo": ["demo/lexreply_demo.xml"],
    "application": True,
    "installable": True,
}
