"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`.

A configuration error stops start-up with one line naming the variable, not a
traceback. Exit status 4 is gunicorn's "app failed to load": its arbiter then
halts instead of restarting workers that can never boot.
"""

import sys

from config import ConfigError
from expenses_app import create_app

CONFIG_ERROR_EXIT = 4

try:
    app = create_app()
except ConfigError as exc:
    print(f"configuration error: {exc}", file=sys.stderr)
    raise SystemExit(CONFIG_ERROR_EXIT) from None
