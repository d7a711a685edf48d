"""Membership changes: roles, removal, leaving, each keeping at least one owner."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from ..extensions import db
from ..models import LedgerMember
from .services import LedgerRefused, lock_ledger

LAST_OWNER = "A ledger always needs an owner: make another member an owner first."


def _membership(ledger_id: uuid.UUID, user_id: uuid.UUID) -> LedgerMember | None:
    return db.session.get(LedgerMember, (ledger_id, user_id))


def _owner_count(ledger_id: uuid.UUID) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LedgerMember)
        .where(LedgerMember.ledger_id == ledger_id, LedgerMember.role == "owner")
    )


def _check_owner_stays(ledger_id: uuid.UUID, member: LedgerMember, message: str) -> None:
    # Called with the ledger row locked (see `lock_ledger`): the count cannot
    # change under us before the commit.
    if member.role == "owner" and _owner_count(ledger_id) <= 1:
        raise LedgerRefused(message)


def is_member(ledger_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether `user_id` belongs to the ledger, whatever their role."""
    return _membership(ledger_id, user_id) is not None


def change_role(ledger_id: uuid.UUID, user_id: uuid.UUID, role: str) -> str | None:
    """Give the member `role`; returns their previous role, or None when they are not a
    member. Refused (LedgerRefused) when it would demote the last owner. The caller commits."""
    lock_ledger(ledger_id)
    member = _membership(ledger_id, user_id)
    if member is None:
        return None
    previous = member.role
    if role != "owner":
        _check_owner_stays(ledger_id, member, f"This is the only owner. {LAST_OWNER}")
    member.role = role
    db.session.flush()
    return previous


def remove_member(ledger_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Take the member out of the ledger (their expenses stay in it); False when they are
    not a member. Refused for the last owner. The caller commits."""
    lock_ledger(ledger_id)
    member = _membership(ledger_id, user_id)
    if member is None:
        return False
    _check_owner_stays(ledger_id, member, f"The only owner cannot be removed. {LAST_OWNER}")
    _delete_membership(member)
    return True


def leave_ledger(ledger_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The user leaves the ledger (their expenses stay). Refused for the last owner, who
    may hand the ledger over or delete it instead. The caller commits."""
    lock_ledger(ledger_id)
    member = _membership(ledger_id, user_id)
    if member is None:
        return
    _check_owner_stays(
        ledger_id,
        member,
        f"You are the only owner of this ledger. {LAST_OWNER} "
        "(Or delete the ledger, if no one needs it any more.)",
    )
    _delete_membership(member)


def _delete_membership(member: LedgerMember) -> None:
    # Sessions that had this ledger current keep pointing at it; the session
    # loader joins on the membership, finds none and falls back to the
    # member's oldest remaining ledger.
    db.session.delete(member)
    db.session.flush()
