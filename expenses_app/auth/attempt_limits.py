"""Counted attempts beyond the login form: two-factor codes and reset requests (issue 15).

The counters are rows of `rate_limit_counters`, written with the same upsert
as the login throttle's storage (limiter_storage.py), so every gunicorn
worker shares them. Each attempt takes its slot with one atomic increment
*before* the code is checked, and a right code gives the slot back: two
workers racing cannot both try the sixth code. The increment runs in the
request's own transaction (on SQLite a POST holds the write lock, so another
connection could not write); the caller commits, on failure too, so that
the failure stays counted.
"""

from __future__ import annotations

import math

from flask import current_app
from limits import parse
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests

from ..extensions import db, limiter
from ..tokens import token_hash
from .limiter_storage import counters, increment_statement, now


class TooManyAttempts(TooManyRequests):
    """429 with how many seconds remain until the window ends (sent as Retry-After)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after=retry_after)


def hashed(value: str) -> str:
    """A short stable digest of what names an account (no email address in the table)."""
    return token_hash(value)[:32]


def _window(setting: str) -> tuple[int, int]:
    item = parse(current_app.config[setting])
    return item.amount, item.get_expiry()


def _add(setting: str, key: str, amount: int) -> int:
    _limit, expiry = _window(setting)
    stmt = increment_statement(db.engine.dialect.name, f"{setting.lower()}:{key}", expiry, amount)
    return int(db.session.execute(stmt).scalar_one())


def take_attempt(setting: str, key: str) -> None:
    """Count one attempt against the limit named by config `setting`; raise TooManyAttempts
    once the window already holds that many (the request then rolls back)."""
    limit, _expiry = _window(setting)
    if _add(setting, key, 1) > limit:
        expires_at = db.session.scalar(
            select(counters.c.expires_at).where(counters.c.key == f"{setting.lower()}:{key}")
        )
        raise TooManyAttempts(max(1, math.ceil((expires_at or now()) - now())))


def give_back_attempt(setting: str, key: str) -> None:
    """Return the slot of an attempt that succeeded (only failures count)."""
    _add(setting, key, -1)


def retry_after_seconds(exc: Exception) -> int | None:
    """Seconds to send as Retry-After for a 429: ours carry it; Flask-Limiter's (the login
    throttle) come from the limit that was hit."""
    value = getattr(exc, "retry_after", None)
    if isinstance(value, int):
        return value
    current = limiter.current_limit
    if current is None:
        return None
    return max(1, math.ceil(current.reset_at - now()))
