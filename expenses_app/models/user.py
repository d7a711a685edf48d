"""Accounts and their server-side login sessions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import DERIVED, Base, Timestamps, UUIDPk
from .types import utcnow

# Field limits shared by the columns, the forms and the account rules.
EMAIL_MAX_LENGTH = 254  # RFC 5321's longest forward path
USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 32
FULL_NAME_MAX_LENGTH = 120
USER_AGENT_MAX_LENGTH = 255
IP_ADDRESS_MAX_LENGTH = 45  # the longest text form of an IPv6 address


class User(UUIDPk, Timestamps, Base):
    __tablename__ = "users"

    # Stored trimmed and lower-cased, so a plain unique index is case-insensitive.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    # base.name_key(username): makes usernames unique regardless of case.
    username_key: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(FULL_NAME_MAX_LENGTH))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_verified: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[dt.datetime | None]
    # The ledger the user last chose: a new login starts there while they are
    # still a member of it (see `ledgers/current.py`).
    last_ledger_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ledgers.id", ondelete="SET NULL")
    )
    # Set to a new random value by triggers (migrations 0007, 0009) whenever
    # anything every page shows the user changes (their name, their ledgers and
    # roles): part of the page cache's key. Never written by the app.
    data_version: Mapped[int] = mapped_column(BigInteger, server_default="0", info=DERIVED)
    # Issue 15, two-factor login (auth/totp.py): the TOTP secret, Fernet-encrypted
    # (never stored or backed up in clear); when it was switched on (NULL: off);
    # the last 30-second time step a code was accepted for (the replay guard).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[dt.datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    # The token of the login session this object was loaded for (not a column).
    # Flask-Login stores `get_id()` in the session and remember cookies, so the
    # cookies name a server-side session row that logout and password changes
    # can revoke.
    session_token: ClassVar[str | None] = None

    # Flask-Login protocol, written out so the model does not import flask_login.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        if not self.session_token:
            raise RuntimeError("a user can only be logged in through a session token")
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserSession(UUIDPk, Base):
    """One login (one browser): valid until it expires or is revoked."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index(None, "user_id", "expires_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # SHA-256 of the random token in the cookie: a copy of the table logs no one in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    remember: Mapped[bool] = mapped_column(default=False)
    # The session's current ledger (the pages of part 1 show it). Kept here, not
    # in the cookie, so a restart or another worker keeps it; NULL (or a ledger
    # the user has left) means the user's oldest ledger.
    ledger_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ledgers.id", ondelete="SET NULL")
    )
    # Issue 15, `/auth/sessions`: the browser and address of the login, written
    # once when it starts (never per request).
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_MAX_LENGTH))
    ip_address: Mapped[str | None] = mapped_column(String(IP_ADDRESS_MAX_LENGTH))
