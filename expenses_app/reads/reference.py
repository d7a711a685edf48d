"""The read API written the obvious way: the oracle the fast functions are tested against.

Each function here has the name, arguments and answer type of its twin in the
package's `API`, and reads only `expenses` (with categories and tags): one
scoped query, plain filters, plain GROUP BY, no derived tables, no caches, no
shortcuts. It is correct by inspection and slow on purpose; the app never
calls it. Its translation of the filters is written out again on purpose,
so that a fast path that forgets or changes one disagrees with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Category, Expense, Tag, expense_tags, name_key
from ..money import ZERO
from ..scoping import Scope, owned
from .filters import ExpenseFilters
from .privacy import shown_to
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


def _seen(scope: Scope) -> Any:
    """Expenses whose text, tags and payment method the viewer sees: not private, or theirs."""
    return or_(Expense.private.is_(False), Expense.user_id == scope.user_id)


def _tagged(scope: Scope, tag: str) -> Any:
    tagged = Expense.id.in_(
        select(expense_tags.c.expense_id)
        .join(Tag, Tag.id == expense_tags.c.tag_id)
        .where(Tag.ledger_id == scope.ledger_id, Tag.name_key == name_key(tag))
    )
    return tagged & _seen(scope)


def _searched(scope: Scope, q: str) -> Any:
    found = or_(
        Expense.description.ilike(_like(q), escape="\\"),
        Expense.notes.ilike(_like(q), escape="\\"),
    )
    return found & _seen(scope)


# Each filter's condition, by field name, given the scope and the field's value.
_CONDITIONS: dict[str, Callable[[Scope, Any], Any]] = {
    "q": _searched,
    "category": lambda _scope, value: Expense.category_id == value,
    "tag": _tagged,
    "payment_method": lambda scope, value: (Expense.payment_method == value) & _seen(scope),
    "start": lambda _scope, value: Expense.date >= value,
    "end": lambda _scope, value: Expense.date <= value,
    "min": lambda _scope, value: Expense.amount >= value,
    "max": lambda _scope, value: Expense.amount <= value,
}


def _matching(scope: Scope, filters: ExpenseFilters) -> Select:
    """The ledger's live expenses (joined to their categories) that every set filter matches."""
    active = filters.active_filters()
    if not active <= _CONDITIONS.keys():
        raise NotImplementedError(f"reference.py does not know the filters {sorted(active)}")
    chosen = [_CONDITIONS[name](scope, getattr(filters, name)) for name in sorted(active)]
    return (
        owned(Expense, ledger_id=scope.ledger_id)
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


def _listed(scope: Scope, expense: Expense) -> ListedExpense:
    """A loaded expense (category, tags, receipt and author loaded) as the list shows it."""
    category = expense.category
    row = ListedExpense(
        expense.id,
        expense.date,
        expense.description,
        expense.payment_method,
        expense.amount,
        ListedCategory(category.name, category.color, category.icon),
        tuple(ListedTag(tag.name) for tag in expense.tags),
        expense.receipt is not None,
        expense.user_id,
        expense.private,
        expense.added_by,
    )
    return shown_to(row, scope.user_id)


def expense_page(scope: Scope, filters: ExpenseFilters) -> ExpensePage:
    """The page by plain OFFSET over every match in list order, and their count and sum."""
    matching = _matching(scope, filters)
    count, total = db.session.execute(
        matching.with_only_columns(func.count(Expense.id), func.sum(Expense.amount))
    ).one()
    stmt = (
        matching.options(
            joinedload(Expense.category),
            selectinload(Expense.tags),
            joinedload(Expense.receipt),
            joinedload(Expense.author),
        )
        .order_by(*_order(filters))
        .limit(filters.per_page)
        .offset(filters.offset)
    )
    rows = [_listed(scope, expense) for expense in db.session.scalars(stmt)]
    return ExpensePage(rows, count, total or ZERO, filters.page, filters.per_page)


def export_expenses(scope: Scope, filters: ExpenseFilters) -> Iterator[list[Expense]]:
    stmt = (
        _matching(scope, filters)
        .options(
            joinedload(Expense.category), selectinload(Expense.tags), joinedload(Expense.author)
        )
        .order_by(*_order(filters))
    )
    yield [shown_to(expense, scope.user_id) for expense in db.session.scalars(stmt)]


# Written again on purpose, like the filters above: `totals._scoped_span` is the
# fast path's own, and an oracle must not share the code it checks.
def _in_span(scope: Scope, span: Span) -> Select:
    """The ledger's live expenses inside the span's dates, category and payment method."""
    stmt = owned(Expense, ledger_id=scope.ledger_id)
    if span.start is not None:
        stmt = stmt.where(Expense.date >= span.start)
    if span.end is not None:
        stmt = stmt.where(Expense.date <= span.end)
    if span.category_id is not None:
        stmt = stmt.where(Expense.category_id == span.category_id)
    if span.payment_method is not None:
        stmt = stmt.where(Expense.payment_method == span.payment_method, _seen(scope))
    return stmt


def span_totals(scope: Scope, spans: Sequence[Span]) -> list[SpanTotal]:
    totals = []
    for span in spans:
        stmt = _in_span(scope, span).with_only_columns(
            func.count(Expense.id), func.sum(Expense.amount)
        )
        count, total = db.session.execute(stmt).one()
        totals.append(SpanTotal(count, total or ZERO))
    return totals


def _months(scope: Scope, span: Span) -> list[GroupTotal]:
    """Per day in SQL, folded into `YYYY-MM` here (digits sort alike in any collation)."""
    stmt = (
        _in_span(scope, span)
        .with_only_columns(Expense.date, func.sum(Expense.amount), func.count(Expense.id))
        .group_by(Expense.date)
    )
    months: dict[str, list[Any]] = defaultdict(lambda: [ZERO, 0])
    for day, total, count in db.session.execute(stmt):
        months[f"{day:%Y-%m}"][0] += total
        months[f"{day:%Y-%m}"][1] += count
    return [GroupTotal(key, total, count) for key, (total, count) in sorted(months.items())]


def _hidden_group(scope: Scope, span: Span) -> list[GroupTotal]:
    """Others' private expenses in the span, as the one group `private` (or none)."""
    stmt = (
        _in_span(scope, span)
        .where(~_seen(scope))
        .with_only_columns(func.sum(Expense.amount), func.count(Expense.id))
    )
    total, count = db.session.execute(stmt).one()
    return [GroupTotal("private", total, count)] if count else []


def group_totals(scope: Scope, span: Span, group: str) -> list[GroupTotal]:
    """One plain GROUP BY over the span's expenses; largest first, months in order.

    By tag or payment method, what the viewer may not see of others' private
    expenses is one group, `private`.
    """
    if group == "month":
        return _months(scope, span)
    if group in ("tag", "payment_method"):
        seen = [row for row in _plain_groups(scope, span, group, _seen(scope))]
        rows = seen + _hidden_group(scope, span)
        return sorted(rows, key=lambda row: (-row.total, name_key(row.key)))
    return _plain_groups(scope, span, group, None)


def _plain_groups(scope: Scope, span: Span, group: str, only: Any) -> list[GroupTotal]:
    total = func.sum(Expense.amount)
    stmt = _in_span(scope, span)
    if only is not None:
        stmt = stmt.where(only)
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


def untagged_total(scope: Scope, span: Span) -> SpanTotal:
    tagged = select(expense_tags.c.expense_id)
    stmt = (
        _in_span(scope, span)
        .where(Expense.id.not_in(tagged), _seen(scope))
        .with_only_columns(func.count(Expense.id), func.sum(Expense.amount))
    )
    count, total = db.session.execute(stmt).one()
    return SpanTotal(count, total or ZERO)


def overview(scope: Scope, trend: Span, month: Span, windows: Sequence[Span]) -> Overview:
    by_month = {row.key: row.total for row in group_totals(scope, trend, "month")}
    return Overview(
        by_month,
        group_totals(scope, month, "category"),
        [total for _, total in span_totals(scope, windows)],
    )


def recent_expenses(scope: Scope, limit: int = RECENT_LIMIT) -> list[RecentExpense]:
    """The newest live expenses by date, then entry time, as ORM rows turned into values."""
    stmt = (
        owned(Expense, ledger_id=scope.ledger_id)
        .options(joinedload(Expense.category))
        .order_by(Expense.date.desc(), Expense.created_at.desc(), Expense.id)
        .limit(limit)
    )
    return [
        shown_to(
            RecentExpense(
                expense.id,
                expense.date,
                expense.description,
                expense.amount,
                ListedCategory(
                    expense.category.name, expense.category.color, expense.category.icon
                ),
                expense.user_id,
                expense.private,
            ),
            scope.user_id,
        )
        for expense in db.session.scalars(stmt)
    ]
