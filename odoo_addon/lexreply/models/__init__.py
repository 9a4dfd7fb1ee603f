from . import sidecar
from . import legal_case
from . import legal_case_update
from . import res_partner
from . import mail_thread
from . import lexreply_ticket_mixin
from . import res_config_settings
from . import lexreply_bridge_mixins
