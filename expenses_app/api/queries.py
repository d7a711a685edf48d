"""The API's reads of expenses beyond the list's: whole rows by id, and changes for sync.

The list's rows, order, count and total come from `reads.expense_page` like
the page's; the few columns the page does not show (category id, notes,
timestamps) are then read for just the page's rows. `changed_since` is the sync read: live and
trashed expenses changed after an instant, oldest change first.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Select, case, func, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Budget, Expense
from ..money import ZERO
from ..reads import ExpenseFilters
from ..reads.conditions import narrowed
from ..scoping import Scope, owned

# An expense as the API shows it: its tags, whether it has a receipt (bytes deferred), and
# its category and author, which the masked copy another member sees carries (`reads.privacy`).
FULL_OPTIONS = (
    selectinload(Expense.tags),
    joinedload(Expense.receipt),
    joinedload(Expense.category),
    joinedload(Expense.author),
)


class Details(NamedTuple):
    """What the API shows of an expense beyond the list page's columns."""

    category_id: uuid.UUID
    notes: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


def page_details(scope: Scope, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Details]:
    """The details of the live expenses `ids` of the ledger (ids the list read through the
    scoping door chose), by id: one SELECT of a few columns.

    By primary key alone, as `reads.listing` reads a page's rows: with the
    ledger condition in SQL as well, SQLite (no statistics) walks the whole
    ledger by one of its ledger indexes instead (150 ms at 100,000 rows,
    `python -m bench.api_compare`). The ledger and the trash are checked here.
    """
    if not ids:
        return {}
    stmt = select(
        Expense.id,
        Expense.ledger_id,
        Expense.deleted_at,
        Expense.category_id,
        Expense.notes,
        Expense.created_at,
        Expense.updated_at,
    ).where(Expense.id.in_(ids))
    return {
        row[0]: Details(*row[3:])
        for row in db.session.execute(stmt)
        if row[1] == scope.ledger_id and row[2] is None
    }


def _changed_ids(scope: Scope, filters: ExpenseFilters, since: dt.datetime) -> Select:
    """The ids of the ledger's expenses, live or trashed, that the filters match and that
    changed after `since` (through the scoping door: `owned`, once for each)."""
    parts = [
        narrowed(owned(Expense, ledger_id=scope.ledger_id, deleted=trash), filters, scope)
        .where(Expense.updated_at > since)
        .with_only_columns(Expense.id)
        for trash in (False, True)
    ]
    return select(union_all(*parts).subquery().c.id)


def changed_since(
    scope: Scope, filters: ExpenseFilters, since: dt.datetime
) -> tuple[list[Expense], int, Decimal]:
    """One page of the changes (oldest change first), how many there are, and the total
    of the live ones among them."""
    ids = _changed_ids(scope, filters, since)
    live_amount = case((Expense.deleted_at.is_(None), Expense.amount))
    count, total = db.session.execute(
        select(func.count(Expense.id), func.sum(live_amount)).where(Expense.id.in_(ids))
    ).one()
    stmt = (
        select(Expense)
        .where(Expense.id.in_(ids))
        .options(*FULL_OPTIONS)
        .order_by(Expense.updated_at, Expense.id)
        .limit(filters.per_page)
        .offset(filters.offset)
    )
    rows = list(db.session.scalars(stmt)) if count else []
    return rows, count, ZERO if total is None else Decimal(total)


def ledger_budgets_whole(scope: Scope) -> list[Budget]:
    """The ledger's budgets with their categories, oldest first."""
    stmt = (
        owned(Budget, ledger_id=scope.ledger_id)
        .options(joinedload(Budget.category))
        .order_by(Budget.created_at, Budget.id)
    )
    return list(db.session.scalars(stmt))
