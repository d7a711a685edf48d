"""Ledger rules shared by the pages, registration and the CLI."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ..categories.services import ensure_default_categories
from ..extensions import db
from ..models import Ledger, LedgerMember


def create_ledger(
    user_id: uuid.UUID, name: str, *, ledger_id: uuid.UUID | None = None
) -> Ledger:
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


def first_ledger(user_id: uuid.UUID) -> uuid.UUID | None:
    """The oldest ledger `user_id` belongs to (what `flask demo-data` fills)."""
    return db.session.scalar(
        select(LedgerMember.ledger_id)
        .where(LedgerMember.user_id == user_id)
        .order_by(LedgerMember.joined_at, LedgerMember.ledger_id)
        .limit(1)
    )
