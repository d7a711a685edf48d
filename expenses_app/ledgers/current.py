"""The current ledger of a session: which ledger the pages of part 1 show."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from ..extensions import db
from ..models import LedgerMember, User, UserSession
from ..tokens import token_hash


def switch_ledger(user_id: uuid.UUID, ledger_id: uuid.UUID, session_token: str | None) -> None:
    """Make `ledger_id` current for the session `session_token` names, and the one the
    user's next login starts in. The caller has checked membership and commits."""
    if session_token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == token_hash(session_token))
            .values(ledger_id=ledger_id)
        )
    db.session.execute(update(User).where(User.id == user_id).values(last_ledger_id=ledger_id))


# "The user's oldest ledger": the first by when they joined (the id breaks ties).
OLDEST_FIRST = (LedgerMember.joined_at, LedgerMember.ledger_id)


def first_ledger(user_id: uuid.UUID) -> uuid.UUID | None:
    """The oldest ledger `user_id` belongs to (the fallback current one; what
    `flask demo-data` fills)."""
    return db.session.scalar(
        select(LedgerMember.ledger_id)
        .where(LedgerMember.user_id == user_id)
        .order_by(*OLDEST_FIRST)
        .limit(1)
    )


def starting_ledger(user: User) -> uuid.UUID | None:
    """The ledger a new login starts in: the one the user had last, while still a member,
    else their oldest remaining ledger (None when they belong to none)."""
    if user.last_ledger_id is not None and db.session.get(
        LedgerMember, (user.last_ledger_id, user.id)
    ):
        return user.last_ledger_id
    return first_ledger(user.id)
