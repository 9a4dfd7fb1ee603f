from . import test_legal_case
from . import test_security
from . import test_mail_headers
from . import test_settings
from . import test_lexreply_execution_report
from . import test_notices
