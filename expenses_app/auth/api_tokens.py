"""Personal access tokens for the API: created, listed, checked, revoked (issue 16).

A token reads `<prefix>.<secret>`: the 8-character prefix is public (the
list page shows it, and it finds the row), the secret is 256 random bits of
which only the SHA-256 is kept (`tokens.token_hash`), compared in constant
time. Services take plain values and never commit.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update

from .. import clock
from ..extensions import db
from ..models import ApiToken
from ..tokens import new_token, token_hash

# What the form offers for `expires` (contract), and how long each lasts.
LIFETIMES: dict[str, dt.timedelta | None] = {
    "30d": dt.timedelta(days=30),
    "1y": dt.timedelta(days=365),
    "never": None,
}
SEPARATOR = "."
# `last_used_at` is written at most this often per token.
LAST_USED_STEP = dt.timedelta(minutes=1)
# The token pages warn about tokens that expire within this.
EXPIRY_WARNING = dt.timedelta(days=14)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token's row and the full token text, which is shown this once."""

    row: ApiToken
    token: str


def _free_prefix() -> str:
    """A random 8-character prefix no token has yet (32 bits: a clash is rare, not impossible)."""
    while True:
        prefix = secrets.token_hex(4)
        if db.session.scalar(select(ApiToken.id).where(ApiToken.prefix == prefix)) is None:
            return prefix


def create_api_token(user_id: uuid.UUID, *, name: str, scope: str, expires: str) -> IssuedToken:
    """A new token of `scope` (`read`, `read_write`) lasting `expires` (a key of LIFETIMES)."""
    now = clock.now()
    lifetime = LIFETIMES[expires]
    row = ApiToken(
        user_id=user_id,
        name=name,
        prefix=_free_prefix(),
        scope=scope,
        created_at=now,
        expires_at=None if lifetime is None else now + lifetime,
    )
    secret = new_token()
    row.secret_hash = token_hash(secret)
    db.session.add(row)
    db.session.flush()
    return IssuedToken(row, f"{row.prefix}{SEPARATOR}{secret}")


def user_tokens(user_id: uuid.UUID) -> list[ApiToken]:
    """The user's live tokens (not revoked), newest first; expired ones stay listed."""
    stmt = (
        select(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    )
    return list(db.session.scalars(stmt))


def users_token_or_none(user_id: uuid.UUID, token_id: uuid.UUID) -> ApiToken | None:
    """The user's live token `token_id`; None for anyone else's (the route answers 404)."""
    return db.session.scalar(
        select(ApiToken).where(
            ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)
        )
    )


def revoke_api_token(token: ApiToken) -> None:
    token.revoked_at = clock.now()


def revoke_all_api_tokens(user_id: uuid.UUID) -> None:
    """Revoke every token of the user (their password changed or was reset)."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def is_usable(token: ApiToken, now: dt.datetime) -> bool:
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def token_for(text: str) -> ApiToken | None:
    """The live token `text` names, or None when it is malformed, unknown, revoked or expired.

    The prefix finds the row; the secret's hash is then compared in constant
    time, so response times tell nothing about how much of a secret was right.
    """
    prefix, separator, secret = text.partition(SEPARATOR)
    if not separator or len(prefix) != 8 or not secret or not text.isascii():
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if row is None or not hmac.compare_digest(row.secret_hash, token_hash(secret)):
        return None
    return row if is_usable(row, clock.now()) else None


def note_use(token: ApiToken) -> bool:
    """Record that the token was used now, at most once a minute; whether it wrote."""
    now = clock.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_STEP:
        return False
    token.last_used_at = now
    return True


def expiring_soon(tokens: list[ApiToken]) -> list[ApiToken]:
    """The tokens among `tokens` that still work but expire within EXPIRY_WARNING."""
    now = clock.now()
    return [
        token
        for token in tokens
        if token.expires_at is not None and now < token.expires_at <= now + EXPIRY_WARNING
    ]
