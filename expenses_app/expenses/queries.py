"""The expense pages' plain reads: the trash and the loader options of one expense.

The list, its totals and the export read through `expenses_app.reads`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Expense, Receipt
from ..scoping import owned

TRASH_PER_PAGE = 50


def trash_page(user_id: uuid.UUID, page: int) -> tuple[list[Expense], int]:
    """One page of the user's trash, most recently deleted first, and the trash's size."""
    trashed = owned(Expense, user_id=user_id, deleted=True)
    count = db.session.scalar(trashed.with_only_columns(func.count(Expense.id))) or 0
    stmt = (
        trashed.options(joinedload(Expense.category))
        .order_by(Expense.deleted_at.desc(), Expense.id.desc())
        .limit(TRASH_PER_PAGE)
        .offset((page - 1) * TRASH_PER_PAGE)
    )
    return list(db.session.scalars(stmt)) if count else [], count


# One expense shown or edited with everything it has (receipt bytes stay deferred).
DETAIL_OPTIONS = (
    joinedload(Expense.category),
    selectinload(Expense.tags),
    joinedload(Expense.receipt),
)
# An expense with its receipt's bytes, for the download.
RECEIPT_OPTIONS = (joinedload(Expense.receipt).undefer(Receipt.data),)
