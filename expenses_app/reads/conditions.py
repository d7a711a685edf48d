"""What each field of `ExpenseFilters` means in SQL: the one translation of the list's filters.

The page, its count and total, the category grouping and the CSV export all
narrow their rows here, so they always agree. A filter field that this module
does not know raises instead of being ignored, and the monthly totals answer
only for the fields in `MONTH_TOTALS_FIELDS`: a new field falls back to
reading the expenses until someone teaches the fast path (and the twin test,
`tests/test_reads_twin.py`, proves it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_

from ..models import Category, Expense, Tag, expense_tags, name_key
from ..scoping import Scope, owned
from .filters import ExpenseFilters
from .privacy import visible_to
from .search import SlotRange, source, text_search
from .types import Span

# The filters the monthly totals can answer for (with no other filter set):
# the fields `Span` carries. Anything else is read from the expenses.
MONTH_TOTALS_FIELDS = frozenset({"category", "payment_method", "start", "end"})

Condition = Callable[[type[Expense], Scope, Any], ColumnElement[bool]]


def _tagged(row: type[Expense], scope: Scope, tag: str) -> ColumnElement[bool]:
    """Rows carrying the tag, among those whose tags the viewer may see."""
    tagged = (
        owned(Tag, ledger_id=scope.ledger_id)
        .with_only_columns(expense_tags.c.expense_id)
        .join_from(Tag, expense_tags, expense_tags.c.tag_id == Tag.id)
        .where(Tag.name_key == name_key(tag))
    )
    return and_(row.id.in_(tagged), visible_to(row, scope.user_id))


def _paid_with(row: type[Expense], scope: Scope, method: str) -> ColumnElement[bool]:
    return and_(row.payment_method == method, visible_to(row, scope.user_id))


# One entry per filter but `q` (text search, which may change the rows read).
_CONDITIONS: dict[str, Condition] = {
    "category": lambda row, _scope, value: row.category_id == value,
    "tag": _tagged,
    "payment_method": _paid_with,
    "start": lambda row, _scope, value: row.date >= value,
    "end": lambda row, _scope, value: row.date <= value,
    "min": lambda row, _scope, value: row.amount >= value,
    "max": lambda row, _scope, value: row.amount <= value,
}


def uses_month_totals(filters: ExpenseFilters) -> bool:
    """Whether the matching rows' count and total can come from the monthly totals."""
    return filters.active_filters() <= MONTH_TOTALS_FIELDS


def as_span(filters: ExpenseFilters) -> Span:
    """The span of a filter that `uses_month_totals`."""
    return Span(filters.start, filters.end, filters.category, filters.payment_method)


def narrowed(
    stmt: Select, filters: ExpenseFilters, scope: Scope, slots: SlotRange | None = None
) -> Select:
    """`stmt` (a SELECT over the ledger's live rows of `source(filters.q)`) narrowed by
    every filter that is set. `slots`: while searching on SQLite, the part of the
    search index to read."""
    active = filters.active_filters()
    unknown = active - _CONDITIONS.keys() - {"q"}
    if unknown:
        raise NotImplementedError(f"the read package does not know the filter {min(unknown)!r}")
    row = source(filters.q)
    # In this order: SQLite tests the conditions no index answers as written.
    conditions = [
        condition(row, scope, getattr(filters, name))
        for name, condition in _CONDITIONS.items()
        if name in active
    ]
    stmt = stmt.where(*conditions)
    if not filters.q:
        return stmt
    return text_search(stmt, scope.ledger_id, filters.q, slots).where(
        visible_to(row, scope.user_id)
    )


def ordering(
    filters: ExpenseFilters, row: type[Expense] | None = None, *, reverse: bool = False
) -> list[ColumnElement[Any]]:
    """ORDER BY terms over `row` (default: what the filters read): the chosen key, then
    date (and entry time) and id.

    The id makes the order total, so pages never overlap or skip rows, and
    `reverse` gives exactly the same rows backwards.
    """
    row = row or source(filters.q)
    primary = {
        "date": row.date,
        "amount": row.amount,
        "category": Category.name_key,
        "description": row.description,
    }[filters.sort]
    tie_breaks = {
        "date": (row.created_at,),
        "amount": (row.date,),
        # Matches the (ledger, category, date, created_at, id) index.
        "category": (row.date, row.created_at),
        "description": (row.date,),
    }[filters.sort]
    terms = [primary, *tie_breaks, row.id]
    descending = (filters.order == "desc") != reverse
    return [t.desc() if descending else t.asc() for t in terms]
