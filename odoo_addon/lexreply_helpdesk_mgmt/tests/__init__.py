from . import test_lexreply_ticket
from . import test_lexreply_apply
from . import test_lexreply_review
from . import test_lexreply_line
from . import test_lexreply_execution
