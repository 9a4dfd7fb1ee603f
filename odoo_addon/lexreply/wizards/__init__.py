from . import lexreply_bot_key_wizard
