"""Login throttling: failed attempts are counted per account and per address.

Only failures count (`deduct_when`), so a user who types the password right
is never locked out by their own successes. Once a limit is reached the
request is refused with 429 before any password is hashed. The counters live
in the database (see limiter_storage.py) so every worker shares them.

The login view is the only one with limits, so every other request skips
Flask-Limiter's per-request work (working out that a view has no limits cost
about 150 Python calls, a twentieth of a page served from the page cache).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Response, current_app, g, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

from ..extensions import limiter
from ..models import name_key
from .attempt_limits import hashed
from .events import security_event

# The views decorated by limit_login_attempts.
_throttled_views: set[Callable] = set()


def account_key() -> str:
    """The account a login attempt names, normalised and hashed (the counter
    table then holds no email addresses, and keys stay short)."""
    login = name_key(request.form.get("login", ""))
    return "account:" + hashed(login)


def address_key() -> str:
    return "address:" + (get_remote_address() or "unknown")


def mark_failed_login() -> None:
    g.login_failed = True


def _failed(_response: Response) -> bool:
    return bool(g.get("login_failed"))


def _log_breach(limit: RequestLimit) -> None:
    security_event("login_throttled", login=request.form.get("login", ""), level=logging.WARNING)


def _per_account() -> str:
    return current_app.config["RATELIMIT_LOGIN_PER_ACCOUNT"]


def _per_address() -> str:
    return current_app.config["RATELIMIT_LOGIN_PER_ADDRESS"]


def limit_login_attempts(view):
    """Decorate the login view with both limits (POST only)."""
    for limit_value, key_func in ((_per_address, address_key), (_per_account, account_key)):
        view = limiter.limit(
            limit_value,
            key_func=key_func,
            methods=["POST"],
            deduct_when=_failed,
            on_breach=_log_breach,
        )(view)
    _throttled_views.add(view)
    return view


@limiter.request_filter
def _not_throttled() -> bool:
    return current_app.view_functions.get(request.endpoint) not in _throttled_views
