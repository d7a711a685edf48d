"""Issue 15: one-time password reset links and two-factor recovery codes.

Both keep only the SHA-256 of what the user holds (see tokens.py), so a copy
of the database (or a backup) resets no password and passes no second step.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDPk
from .types import utcnow

RESET_LINK_LIFETIME = dt.timedelta(hours=1)
RECOVERY_CODE_COUNT = 10


class PasswordResetToken(UUIDPk, Base):
    """A reset link: valid until it expires, is used, or the password changes."""

    __tablename__ = "password_reset_tokens"
    __table_args__ = (Index(None, "user_id", "expires_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the password hash when the link was made: once the password
    # changes (by any path) the link no longer matches and is dead.
    password_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class RecoveryCode(UUIDPk, Base):
    """One single-use recovery code of a user's current set."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    used_at: Mapped[dt.datetime | None]
