from . import helpdesk_ticket
from . import helpdesk_ticket_team
from . import legal_case
from . import res_config_settings
from . import lexreply_execution
from . import lexreply_execution_report
