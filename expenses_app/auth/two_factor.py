"""The second step of a login, and counted code checks (issue 15).

With TOTP on, a right password does not log in: the signed session cookie
gets a pending state naming the user, whether to remember the login, where
to go next, when it started (valid `PENDING_LIFETIME`) and a fingerprint of
the password hash (a password reset meanwhile kills it). No session row
exists yet, so every page that needs a login still redirects.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import session

from .. import clock
from ..extensions import db
from ..models import User
from ..tokens import token_hash
from . import totp
from .attempt_limits import give_back_attempt, take_attempt

PENDING_KEY = "pending_2fa"
SETUP_KEY = "totp_setup"
PENDING_LIFETIME = dt.timedelta(minutes=5)
FAILURE_LIMIT = "TWO_FACTOR_FAILURE_LIMIT"
T = TypeVar("T")


@dataclass(frozen=True)
class PendingLogin:
    user: User
    remember: bool
    target: str


def _fingerprint(user: User) -> str:
    return token_hash(user.password_hash)[:32]


def begin_pending(user: User, *, remember: bool, target: str) -> None:
    """Replace this browser's session with a pending second step for `user`."""
    session.clear()
    session[PENDING_KEY] = {
        "user_id": str(user.id),
        "remember": bool(remember),
        "next": target,
        "started": clock.now().timestamp(),
        "password": _fingerprint(user),
    }


def pending_login() -> PendingLogin | None:
    """The pending second step of this browser while it is still valid, else None."""
    state = session.get(PENDING_KEY)
    if not isinstance(state, dict):
        return None
    try:
        user_id = uuid.UUID(state["user_id"])
        started = float(state["started"])
    except (KeyError, TypeError, ValueError):
        return None
    if clock.now().timestamp() - started > PENDING_LIFETIME.total_seconds():
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or not totp.is_enabled(user):
        return None
    if state.get("password") != _fingerprint(user):
        return None
    return PendingLogin(user, bool(state.get("remember")), str(state.get("next") or "/"))


def clear_pending() -> None:
    session.pop(PENDING_KEY, None)


def counted(user_id: uuid.UUID, check: Callable[[], T]) -> T:
    """Run `check()` as one counted attempt of the account: beyond FAILURE_LIMIT attempts
    per window it raises TooManyAttempts (a 429). The caller commits either way (a failure
    stays counted); after a success it first calls `forgive`, so only failures count."""
    take_attempt(FAILURE_LIMIT, str(user_id))
    return check()


def forgive(user_id: uuid.UUID) -> None:
    give_back_attempt(FAILURE_LIMIT, str(user_id))


def check_code(user: User, code: str) -> bool:
    """A current TOTP code of `user` (refused once used: the replay guard), counted."""
    return counted(user.id, lambda: totp.check_user_code(user, code))


def check_second_factor(user: User, code: str) -> str | None:
    """What `code` proved at login: "totp", "recovery" (a recovery code, now spent) or None;
    counted."""

    def check() -> str | None:
        if totp.check_user_code(user, code):
            return "totp"
        if totp.use_recovery_code(user.id, code):
            return "recovery"
        return None

    return counted(user.id, check)
