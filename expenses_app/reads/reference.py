"""The read API written the obvious way: the oracle the fast functions are tested against.

Each function here has the name, arguments and answer type of its twin in the
package's `API`, and reads only `expenses` (with categories and tags): one
scoped query, plain filters, plain GROUP BY, no derived tables, no caches, no
shortcuts. It is correct by inspection and slow on purpose; the app never
calls it. Its translation of the filters is written out again on purpose,
so that a fast path that forgets or changes one disagrees with it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Category, Expense, Tag, expense_tags, name_key
from ..money import ZERO
from ..scoping import owned
from .filters import ExpenseFilters
from .totals import RECENT_LIMIT
from .types import (
    ExpensePage,
    GroupTotal,
    ListedCategory,
    ListedExpense,
    ListedTag,
    Overview,
    RecentExpense,
    Span,
    SpanTotal,
)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _tagged(user_id: uuid.UUID, tag: str) -> Any:
    return Expense.id.in_(
        select(expense_tags.c.expense_id)
        .join(Tag, Tag.id == expense_tags.c.tag_id)
        .where(Tag.user_id == user_id, Tag.name_key == name_key(tag))
    )


# Each filter's condition, by field name, given the user and the field's value.
_CONDITIONS: dict[str, Callable[[uuid.UUID, Any], Any]] = {
    "q": lambda _user, q: or_(
        Expense.description.ilike(_like(q), escape="\\"),
        Expense.notes.ilike(_like(q), escape="\\"),
    ),
    "category": lambda _user, value: Expense.category_id == value,
    "tag": _tagged,
    "payment_method": lambda _user, value: Expense.payment_method == value,
    "start": lambda _user, value: Expense.date >= value,
    "end": lambda _user, value: Expense.date <= value,
    "min": lambda _user, value: Expense.amount >= value,
    "max": lambda _user, value: Expense.amount <= value,
}


def _matching(user_id: uuid.UUID, filters: ExpenseFilters) -> Select:
    """The user's live expenses (joined to their categories) that every set filter matches."""
    active = filters.active_filters()
    if not active <= _CONDITIONS.keys():
        raise NotImplementedError(f"reference.py does not know the filters {sorted(active)}")
    chosen = [_CONDITIONS[name](user_id, getattr(filters, name)) for name in sorted(active)]
    return (
        owned(Expense, user_id=user_id)
        .join(Category, Category.id == Expense.category_id)
        .where(*chosen)
    )


def _order(filters: ExpenseFilters) -> list[Any]:
    keys = {
        "date": [Expense.date, Expense.created_at],
        "amount": [Expense.amount, Expense.date],
        "category": [Category.name_key, Expense.date, Expense.created_at],
        "description": [Expense.description, Expense.date],
    }[filters.sort]
    terms = [*keys, Expense.id]
    return [term.desc() if filters.order == "desc" else term.asc() for term in terms]


def _listed(expense: Expense) -> ListedExpense:
    """A loaded expense (category, tags and receipt loaded) as the list shows it."""
    category = expense.category
    return ListedExpense(
        expense.id,
        expense.date,
        expense.description,
        expense.payment_method,
        expense.amount,
        ListedCategory(category.name, category.color, category.icon),
        tuple(ListedTag(tag.name) for tag in expense.tags),
        expense.receipt is not None,
    )


def expense_page(user_id: uuid.UUID, filters: ExpenseFilters) -> ExpensePage:
    """The page by plain OFFSET over every match in list order, and their count and sum."""
    matching = _matching(user_id, filters)
    count, total = db.session.execute(
        matching.with_only_columns(func.count(Expense.id), func.sum(Expense.amount))
    ).one()
    stmt = (
        matching.options(
            joinedload(Expense.category), selectinload(Expense.tags), joinedload(Expense.receipt)
        )
        .order_by(*_order(filters))
        .limit(filters.per_page)
        .offset(filters.offset)
    )
    rows = [_listed(expense) for expense in db.session.scalars(stmt)]
    return ExpensePage(rows, count, total or ZERO, filters.page, filters.per_page)


def export_expenses(user_id: uuid.UUID, filters: ExpenseFilters) -> Iterator[list[Expense]]:
    stmt = (
        _matching(user_id, filters)
        .options(joinedload(Expense.category), selectinload(Expense.tags))
        .order_by(*_order(filters))
    )
    yield list(db.session.scalars(stmt))


# Written again on purpose, like the filters above: `totals._scoped_span` is the
# fast path's own, and an oracle must not share the code it checks.
def _in_span(user_id: uuid.UUID, span: Span) -> Select:
    """The user's live expenses inside the span's dates, category and payment method."""
    stmt = owned(Expense, user_id=user_id)
    if span.start is not None:
        stmt = stmt.where(Expense.date >= span.start)
    if span.end is not None:
        stmt = stmt.where(Expense.date <= span.end)
    if span.category_id is not None:
        stmt = stmt.where(Expense.category_id == span.category_id)
    if span.payment_method is not None:
        stmt = stmt.where(Expense.payment_method == span.payment_method)
    return stmt


def span_totals(user_id: uuid.UUID, spans: Sequence[Span]) -> list[SpanTotal]:
    totals = []
    for span in spans:
        stmt = _in_span(user_id, span).with_only_columns(
            func.count(Expense.id), func.sum(Expense.amount)
        )
        count, total = db.session.execute(stmt).one()
        totals.append(SpanTotal(count, total or ZERO))
    return totals


def _months(user_id: uuid.UUID, span: Span) -> list[GroupTotal]:
    """Per day in SQL, folded into `YYYY-MM` here (digits sort alike in any collation)."""
    stmt = (
        _in_span(user_id, span)
        .with_only_columns(Expense.date, func.sum(Expense.amount), func.count(Expense.id))
        .group_by(Expense.date)
    )
    months: dict[str, list[Any]] = defaultdict(lambda: [ZERO, 0])
    for day, total, count in db.session.execute(stmt):
        months[f"{day:%Y-%m}"][0] += total
        months[f"{day:%Y-%m}"][1] += count
    return [GroupTotal(key, total, count) for key, (total, count) in sorted(months.items())]


def group_totals(user_id: uuid.UUID, span: Span, group: str) -> list[GroupTotal]:
    """One plain GROUP BY over the span's expenses; largest first, months in order."""
    if group == "month":
        return _months(user_id, span)
    total = func.sum(Expense.amount)
    stmt = _in_span(user_id, span)
    if group == "tag":
        stmt = stmt.join(expense_tags, expense_tags.c.expense_id == Expense.id).join(
            Tag, Tag.id == expense_tags.c.tag_id
        )
        key, order, color = Tag.name, Tag.name_key, None
    elif group == "category":
        stmt = stmt.join(Category, Category.id == Expense.category_id)
        key, order, color = Category.name, Category.name_key, Category.color
    else:
        key = order = getattr(Expense, group)
        color = None
    extra = [] if color is None else [color]
    grouped = [key] + ([] if order is key else [order]) + extra
    stmt = stmt.with_only_columns(key, total, func.count(Expense.id), *extra).group_by(*grouped)
    return [GroupTotal(*row) for row in db.session.execute(stmt.order_by(total.desc(), order))]


def untagged_total(user_id: uuid.UUID, span: Span) -> SpanTotal:
    tagged = select(expense_tags.c.expense_id)
    stmt = (
        _in_span(user_id, span)
        .where(Expense.id.not_in(tagged))
        .with_only_columns(func.count(Expense.id), func.sum(Expense.amount))
    )
    count, total = db.session.execute(stmt).one()
    return SpanTotal(count, total or ZERO)


def overview(user_id: uuid.UUID, trend: Span, month: Span, windows: Sequence[Span]) -> Overview:
    by_month = {row.key: row.total for row in group_totals(user_id, trend, "month")}
    return Overview(
        by_month,
        group_totals(user_id, month, "category"),
        [total for _, total in span_totals(user_id, windows)],
    )


def recent_expenses(user_id: uuid.UUID, limit: int = RECENT_LIMIT) -> list[RecentExpense]:
    """The newest live expenses by date, then entry time, as ORM rows turned into values."""
    stmt = (
        owned(Expense, user_id=user_id)
        .options(joinedload(Expense.category))
        .order_by(Expense.date.desc(), Expense.created_at.desc(), Expense.id)
        .limit(limit)
    )
    return [
        RecentExpense(
            expense.id,
            expense.date,
            expense.description,
            expense.amount,
            ListedCategory(expense.category.name, expense.category.color, expense.category.icon),
        )
        for expense in db.session.scalars(stmt)
    ]
