"""Ledger rules shared by the pages, registration and the CLI: create, list, rename, delete."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import aliased

from ..categories.services import ensure_default_categories
from ..extensions import db
from ..models import Ledger, LedgerMember, User
from ..scoping import ROLE_RANK


class LedgerRefused(Exception):
    """A change the ledger rules forbid; `str(exc)` is the message for the user."""


@dataclass(frozen=True)
class LedgerSummary:
    """One of a user's ledgers, as the list and the header's switcher show it."""

    id: uuid.UUID
    name: str
    role: str
    member_count: int


@dataclass(frozen=True)
class Member:
    """One member of a ledger, as its page shows them (never more than the username)."""

    user_id: uuid.UUID
    username: str
    role: str


def create_ledger(user_id: uuid.UUID, name: str, *, ledger_id: uuid.UUID | None = None) -> Ledger:
    """A new ledger named `name` with `user_id` as its owner and the default categories.

    `ledger_id`: registration gives a user's first ledger the user's own id,
    as migration 0009 did for the users it found, so that ledger is the same
    kind of thing however the account came to be. Nothing relies on it for
    access: that is the membership's job. The caller commits (and makes it
    current, when it should be).
    """
    ledger = Ledger(id=ledger_id or uuid.uuid4(), name=name.strip())
    db.session.add(ledger)
    db.session.flush()
    db.session.add(LedgerMember(ledger_id=ledger.id, user_id=user_id, role="owner"))
    ensure_default_categories(ledger.id)
    return ledger


def user_ledgers(user_id: uuid.UUID) -> list[LedgerSummary]:
    """The ledgers `user_id` belongs to, oldest membership first, with role and member count."""
    others = aliased(LedgerMember)
    count = (
        select(func.count())
        .select_from(others)
        .where(others.ledger_id == Ledger.id)
        .correlate(Ledger)
        .scalar_subquery()
    )
    stmt = (
        select(Ledger.id, Ledger.name, LedgerMember.role, count)
        .join(LedgerMember, LedgerMember.ledger_id == Ledger.id)
        .where(LedgerMember.user_id == user_id)
        .order_by(LedgerMember.joined_at, Ledger.id)
    )
    return [LedgerSummary(*row) for row in db.session.execute(stmt)]


def get_ledger(ledger_id: uuid.UUID) -> Ledger:
    """The ledger; the caller has checked membership (`scoping.require_role`)."""
    return db.session.get_one(Ledger, ledger_id)


def ledger_members(ledger_id: uuid.UUID) -> list[Member]:
    """The members of one ledger, owners first, then by username."""
    stmt = (
        select(User.id, User.username, LedgerMember.role)
        .join(LedgerMember, LedgerMember.user_id == User.id)
        .where(LedgerMember.ledger_id == ledger_id)
    )
    members = [Member(*row) for row in db.session.execute(stmt)]
    return sorted(members, key=lambda m: (ROLE_RANK[m.role], m.username.casefold()))


def rename_ledger(ledger_id: uuid.UUID, name: str) -> None:
    """Rename the ledger. The caller commits."""
    get_ledger(ledger_id).name = name.strip()
    db.session.flush()


def delete_ledger(ledger_id: uuid.UUID, user_id: uuid.UUID) -> str:
    """Delete the ledger and everything in it (ON DELETE CASCADE); returns its name.

    Refused (LedgerRefused) when it is the only ledger `user_id` belongs to:
    the contract keeps every owner with somewhere to go. Sessions and users
    that had it as their current ledger lose it through SET NULL, and the
    session loader falls back to their oldest remaining ledger.
    """
    ledger = lock_ledger(ledger_id)
    mine = db.session.scalar(
        select(func.count()).select_from(LedgerMember).where(LedgerMember.user_id == user_id)
    )
    if mine <= 1:
        raise LedgerRefused(
            f"“{ledger.name}” is your only ledger, so it cannot be deleted. "
            "Create or join another ledger first."
        )
    name = ledger.name
    db.session.execute(delete(Ledger).where(Ledger.id == ledger_id))
    db.session.expunge(ledger)
    return name


def lock_ledger(ledger_id: uuid.UUID) -> Ledger:
    """The ledger row, locked until commit on PostgreSQL (SQLite has one writer anyway).

    Member changes lock it first, so two owners demoting or removing each
    other at the same moment cannot leave the ledger with no owner.
    """
    return db.session.scalars(select(Ledger).where(Ledger.id == ledger_id).with_for_update()).one()
