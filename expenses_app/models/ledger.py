"""Ledgers: what a household shares (categories, expenses, budgets), with members and invites."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import DERIVED, Base, Timestamps, UUIDPk
from .types import utcnow

LEDGER_NAME_MAX_LENGTH = 80
# The roles in the order of what they may do, most first (see `ROLE_RANK`).
ROLES = ("owner", "member", "viewer")
ROLE_LABELS = {"owner": "Owner", "member": "Member", "viewer": "Viewer"}
# What an invitation may grant: ownership is given by an owner, never by a link.
INVITE_ROLES = ("member", "viewer")
INVITE_LIFETIME = dt.timedelta(days=7)
# The name a migrated user's ledger gets (migration 0009); renaming it is one form away.
PERSONAL_LEDGER_NAME = "Personal"


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")", name=name)


class Ledger(UUIDPk, Timestamps, Base):
    """A set of books several users may share, each with a role in it."""

    __tablename__ = "ledgers"

    name: Mapped[str] = mapped_column(String(LEDGER_NAME_MAX_LENGTH))
    # Set to a new random value by triggers (migration 0009) whenever anything the
    # ledger's pages show changes: part of the page cache's key. Never written by the app.
    data_version: Mapped[int] = mapped_column(BigInteger, server_default="0", info=DERIVED)

    def __repr__(self) -> str:
        return f"<Ledger {self.name}>"


class LedgerMember(Base):
    """One user's membership of one ledger."""

    __tablename__ = "ledger_members"
    __table_args__ = (
        _one_of("role", ROLES, "role_valid"),
        # The primary key serves "the ledger's members"; this "the user's ledgers".
        Index(None, "user_id", "joined_at"),
    )

    ledger_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ledgers.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(10))
    joined_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LedgerInvite(UUIDPk, Base):
    """A single-use link that lets whoever holds it join a ledger with a role."""

    __tablename__ = "ledger_invites"
    __table_args__ = (
        _one_of("role", INVITE_ROLES, "role_valid"),
        Index(None, "ledger_id", "created_at"),
    )

    ledger_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledgers.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))
    # SHA-256 of the random token in the link: a copy of the table joins no one.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    used_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None]
