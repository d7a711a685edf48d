"""The API's reads of expenses beyond the list's: whole rows by id, and changes for sync.

The list's order, count and total come from `reads.expense_page` like the
page's; the rows of a page are then read whole (notes, timestamps, tags),
which the page does not show. `changed_since` is the sync read: live and
trashed expenses changed after an instant, oldest change first.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal

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


def whole_expenses(scope: Scope, ids: Sequence[uuid.UUID]) -> list[Expense]:
    """The ledger's live expenses `ids`, in that order, loaded whole."""
    if not ids:
        return []
    stmt = owned(Expense, ledger_id=scope.ledger_id).where(Expense.id.in_(ids))
    found = {row.id: row for row in db.session.scalars(stmt.options(*FULL_OPTIONS))}
    return [found[expense_id] for expense_id in ids if expense_id in found]


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
