from . import test_lexreply_ticket
