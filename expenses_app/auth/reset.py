"""One-time password reset links (issue 15).

A link is valid for an hour, once, and only while the password is the one it
was made for: its row keeps a fingerprint of the password hash, so a change
by any path (the account page, another link) kills every older link.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import current_app
from sqlalchemy import ColumnElement, delete, or_, select, update

from .. import clock
from ..extensions import db
from ..models import RESET_LINK_LIFETIME, PasswordResetToken, User
from ..tokens import new_token, token_hash

MAX_TOKEN_LENGTH = 100
RESET_PATH = "/auth/reset/"


def _dead(now: dt.datetime) -> ColumnElement[bool]:
    """Links that can never open again: used, or expired."""
    return or_(PasswordResetToken.used_at.is_not(None), PasswordResetToken.expires_at <= now)


def delete_dead_reset_tokens(now: dt.datetime) -> int:
    """Delete every user's used and expired links (`flask jobs run`); how many. The caller
    commits."""
    stmt = delete(PasswordResetToken).where(_dead(now))
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount


def create_reset_token(user: User) -> str:
    """A new reset token for `user` (only its hash is stored). Also deletes the user's
    used and expired links, so the table stays small without a cleanup job. The caller
    commits."""
    token = new_token()
    now = clock.now()
    db.session.execute(
        delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id, _dead(now))
    )
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=token_hash(token),
            password_fingerprint=token_hash(user.password_hash),
            created_at=now,
            expires_at=now + RESET_LINK_LIFETIME,
        )
    )
    return token


def reset_url(token: str) -> str:
    """The absolute link, on the host of config `BASE_URL`."""
    return current_app.config["BASE_URL"].rstrip("/") + RESET_PATH + token


def find_reset_user(token: str) -> tuple[PasswordResetToken, User] | None:
    """The live link `token` opens and its active user; None when unknown, used, expired,
    or the password changed since (the page answers 404 alike)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = db.session.execute(
        select(PasswordResetToken, User)
        .join(User, User.id == PasswordResetToken.user_id)
        .where(
            PasswordResetToken.token_hash == token_hash(token),
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > clock.now(),
            User.is_active.is_(True),
        )
    ).first()
    if row is None or row[0].password_fingerprint != token_hash(row[1].password_hash):
        return None
    return row[0], row[1]


def use_reset_token(reset_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Spend the link, and every other live link of the user: True for the one request that
    did (of two racing with the same link, exactly one). The caller commits."""
    now = clock.now()
    claimed = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == reset_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return True
