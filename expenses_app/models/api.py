"""Personal access tokens for the API and the answers kept for `Idempotency-Key` (issue 16)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk
from .expense import Expense
from .types import utcnow

TOKEN_SCOPES = ("read", "read_write")
TOKEN_NAME_MAX_LENGTH = 100
TOKEN_PREFIX_LENGTH = 8
IDEMPOTENCY_KEY_MAX_LENGTH = 255


class ApiToken(UUIDPk, Base):
    """One personal access token: found by its public prefix, checked by the secret's hash.

    Only the SHA-256 of the secret is stored (`tokens.token_hash`), so a copy
    of the database calls no API. A token belongs to its user, not to a
    ledger: each request names a ledger, and the user's membership there
    decides what the token may see.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("scope IN ('read', 'read_write')", name="scope_valid"),
        Index(None, "user_id", "created_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(TOKEN_NAME_MAX_LENGTH))
    prefix: Mapped[str] = mapped_column(String(TOKEN_PREFIX_LENGTH), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Written at most once a minute, so a busy client does not write on every request.
    last_used_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class IdempotencyKey(UUIDPk, Base):
    """The first answer to a POST sent with an `Idempotency-Key`, replayed for 24 hours.

    Keys are per user: two users' equal keys never meet. `status` is NULL while
    the first request is still running.
    """

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"), Index(None, "created_at"))

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_MAX_LENGTH))
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None]
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# `updated_since` reads a ledger's expenses changed after an instant (trashed ones too).
# The instant first: SQLite, which has no statistics, would otherwise take an index
# starting with `ledger_id` for any ledger's query and walk the whole ledger with it.
Index("ix_expenses_updated_at_ledger_id", Expense.updated_at, Expense.ledger_id)
