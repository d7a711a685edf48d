"""The user's active logins for `/auth/sessions` (issue 15): list, revoke one or the others.

What the page shows (when, browser, address) was written once at login
(sessions.start_session); reading or revoking never touches other users' rows.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select, update

from ..extensions import db
from ..models import UserSession, utcnow
from ..tokens import token_hash

_BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"))
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
_SAFARI = re.compile(r"Version/[\d.]+.*Safari/")


def browser_label(user_agent: str | None) -> str:
    """A short human name for a User-Agent header ("Firefox on Linux"), or "Unknown browser"."""
    if not user_agent:
        return "Unknown browser"
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    if browser is None and _SAFARI.search(user_agent):
        browser = "Safari"
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    browser = browser or "Other browser"
    return f"{browser} on {system}" if system else browser


def _live(user_id: uuid.UUID) -> tuple:
    return (
        UserSession.user_id == user_id,
        UserSession.revoked_at.is_(None),
        UserSession.expires_at > utcnow(),
    )


def active_sessions(user_id: uuid.UUID) -> list[UserSession]:
    """The user's live logins, newest first."""
    stmt = (
        select(UserSession)
        .where(*_live(user_id))
        .order_by(UserSession.created_at.desc(), UserSession.id)
    )
    return list(db.session.scalars(stmt))


def live_session(user_id: uuid.UUID, session_id: uuid.UUID) -> UserSession | None:
    """One live login of `user_id` (None for anyone else's, or one already over)."""
    return db.session.scalar(
        select(UserSession).where(UserSession.id == session_id, *_live(user_id))
    )


def revoke_session(session_id: uuid.UUID) -> None:
    """Log that login out at once. The caller commits."""
    db.session.execute(
        update(UserSession).where(UserSession.id == session_id).values(revoked_at=utcnow())
    )


def revoke_other_sessions(user_id: uuid.UUID, current_token: str) -> int:
    """Log out every other live login of the user; how many. The caller commits."""
    result = db.session.execute(
        update(UserSession)
        .where(*_live(user_id), UserSession.token_hash != token_hash(current_token))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
