# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "LexReply for OCA Helpdesk (helpdesk_mgmt)",
    "summary": "Bridge between LexReply and the community helpdesk_mgmt: ticket "
    "fields, review buttons, team settings and the automation that asks the sidecar",
    "version": "18.0.1.0.0",
    "license": "LGPL-3",
    "category": "Services/Legal",
    "author": "LexReply",
    "website": "https://github.com/lexreply/lexreply",
    "depends": ["lexreply", "helpdesk_mgmt"],
    "data": [
        "security/lexreply_helpdesk_mgmt_security.xml",
        "security/ir.model.access.csv",
        "data/base_automation_data.xml",
        "data/ir_cron_data.xml",
        "views/helpdesk_ticket_views.xml",
        "views/helpdesk_ticket_team_views.xml",
        "views/legal_case_views.xml",
        "views/res_config_settings_views.xml",
        "views/lexreply_execution_views.xml",
    ],
    "demo": ["demo/lexreply_helpdesk_mgmt_demo.xml"],
    "auto_install": True,
    "installable": True,
}
