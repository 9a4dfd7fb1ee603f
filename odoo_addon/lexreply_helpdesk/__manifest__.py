# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "LexReply for Odoo Helpdesk (Enterprise)",
    "summary": "Bridge between LexReply and the Enterprise helpdesk app: ticket fields, "
    "review buttons, team settings and the automation that asks the sidecar",
    "version": "18.0.1.0.0",
    "license": "LGPL-3",
    "category": "Services/Legal",
    "author": "LexReply",
    "website": "https://github.com/lexreply/lexreply",
    "depends": ["lexreply", "helpdesk"],
    "data": [
        "security/lexreply_helpdesk_security.xml",
        "security/ir.model.access.csv",
        "data/base_automation_data.xml",
        "data/ir_cron_data.xml",
        "views/helpdesk_ticket_views.xml",
        "views/helpdesk_team_views.xml",
        "views/legal_case_views.xml",
        "views/res_config_settings_views.xml",
        "views/lexreply_execution_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
