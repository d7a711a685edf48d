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


def starting_ledger(user: User) -> uuid.UUID | None:
    """The ledger a new login starts in: the one the user had last, while still a member,
    else their oldest remaining ledger (None when they belong to none)."""
    ledgers = select(LedgerMember.ledger_id).where(LedgerMember.user_id == user.id)
    if user.last_ledger_id is not None:
        last = db.session.scalar(ledgers.where(LedgerMember.ledger_id == user.last_ledger_id))
        if last is not None:
            return last
    return db.session.scalar(
        ledgers.order_by(LedgerMember.joined_at, LedgerMember.ledger_id).limit(1)
    )
