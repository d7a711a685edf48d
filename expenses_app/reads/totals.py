"""Spending totals for the dashboard, budgets and reports, and the recent expenses.

Categories, months and payment methods read the monthly totals for whole
months (see `spans.py`); tags, which the monthly totals do not carry, read
the expenses. `reference.py` gives the same answers the plain way.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Integer, Select, Subquery, bindparam, func, literal, null, select, union_all

from ..extensions import db
from ..models import Category, Expense, Tag, expense_tags
from ..money import ZERO
from ..scoping import Scope, owned
from .privacy import PRIVATE_GROUP, shown_to, visible_to
from .shape import Shape
from .spans import grouped_totals, per_key, per_span, run
from .types import GroupTotal, ListedCategory, Overview, RecentExpense, Span, SpanTotal

GROUPS = ("category", "month", "tag", "payment_method")
RECENT_LIMIT = 8


def group_totals(scope: Scope, span: Span, group: str) -> list[GroupTotal]:
    """Spending in `span` per category, month, tag or payment method: one SELECT.

    Months come in calendar order, other groups largest first (then by key or
    name). An expense with several tags counts once under each; expenses with
    no tag are left out of the tag grouping (see `untagged_total`).
    """
    if group not in GROUPS:
        raise ValueError(f"unknown spending grouping {group!r}")
    if group == "tag":
        return _tag_totals(scope, span)
    outer = {"category": _categories, "month": _months}.get(group, _largest)
    return [GroupTotal(*row) for row in grouped_totals(scope, span, group, outer)]


def _scoped_span(scope: Scope, span: Span) -> Select:
    """The ledger's live expenses in the span, read from `expenses` (for what totals lack)."""
    stmt = owned(Expense, ledger_id=scope.ledger_id)
    if span.start is not None:
        stmt = stmt.where(Expense.date >= span.start)
    if span.end is not None:
        stmt = stmt.where(Expense.date <= span.end)
    if span.category_id is not None:
        stmt = stmt.where(Expense.category_id == span.category_id)
    if span.payment_method is not None:
        stmt = stmt.where(
            Expense.payment_method == span.payment_method, visible_to(Expense, scope.user_id)
        )
    return stmt


def _tag_totals(scope: Scope, span: Span) -> list[GroupTotal]:
    """Spending per tag: the monthly totals carry no tags, so this reads the expenses.

    Another member's private expenses count once under `private` (their tags
    are theirs to see), tagged or not.
    """
    tagged = (
        _scoped_span(scope, span)
        .where(visible_to(Expense, scope.user_id))
        .with_only_columns(
            Tag.name.label("name"), Expense.amount.label("amount"), Expense.id, Tag.name_key
        )
        .join_from(Expense, expense_tags, expense_tags.c.expense_id == Expense.id)
        .join(Tag, Tag.id == expense_tags.c.tag_id)
    )
    hidden = (
        _scoped_span(scope, span)
        .where(~visible_to(Expense, scope.user_id))
        .with_only_columns(
            literal(PRIVATE_GROUP).label("name"),
            Expense.amount.label("amount"),
            Expense.id,
            literal(PRIVATE_GROUP).label("name_key"),
        )
    )
    rows = union_all(tagged, hidden).subquery("tagged")
    total = func.sum(rows.c.amount).label("total")
    stmt = (
        select(rows.c.name, total, func.count(rows.c.id).label("count"))
        .group_by(rows.c.name_key, rows.c.name)
        .order_by(total.desc(), rows.c.name_key)
    )
    return [GroupTotal(*row) for row in db.session.execute(stmt)]


def _categories(groups: Subquery) -> Select:
    """Category groups with the categories' names and colours, largest first.

    The ledger condition changes no answer (the groups hold only the ledger's
    categories) but lets PostgreSQL read the ledger's few categories by index:
    it guesses dozens of groups and otherwise hashes every ledger's categories.
    """
    return (
        select(Category.name, groups.c.total, groups.c.count, Category.color)
        .join(groups, groups.c.key == Category.id)
        .where(Category.ledger_id == bindparam("ledger_id"))
        .order_by(groups.c.total.desc(), Category.name_key)
    )


def _months(groups: Subquery) -> Select:
    return select(groups.c.key, groups.c.total, groups.c.count).order_by(groups.c.key)


def _largest(groups: Subquery) -> Select:
    return select(groups.c.key, groups.c.total, groups.c.count).order_by(
        groups.c.total.desc(), groups.c.key
    )


def untagged_total(scope: Scope, span: Span) -> SpanTotal:
    """Spending in `span` on expenses that carry no tag at all (among those whose tags the
    viewer may see: others' private expenses are under `private` instead)."""
    has_tag = (
        select(expense_tags.c.expense_id).where(expense_tags.c.expense_id == Expense.id).exists()
    )
    stmt = (
        _scoped_span(scope, span)
        .where(~has_tag, visible_to(Expense, scope.user_id))
        .with_only_columns(func.count(Expense.id), func.sum(Expense.amount))
    )
    count, total = db.session.execute(stmt).one()
    return SpanTotal(count, total if total is not None else ZERO)


# The branches of the overview's one SELECT, told apart by its column `part`.
TREND = 0
CATEGORIES = 1
BUDGETS = 2  # the first budget window's span; the others follow


def _overview(shape: Shape) -> Select:
    """The trend per month, one month per category and each window's spending: UNION ALL.

    Each was a statement of its own, and on PostgreSQL every statement has a
    fixed cost (parse, plan, snapshot, round trip) larger than what these few
    rows of the monthly totals take to sum.
    """
    trend = per_key(shape, "month", (TREND,))
    categories = per_key(shape, "category", (CATEGORIES,))
    branches = [
        select(
            literal(TREND, Integer).label("part"),
            trend.c.count,
            trend.c.total,
            trend.c.key,
            null().label("color"),
            trend.c.key.label("sort"),
        ),
        # The owner condition: see `_categories`.
        select(
            literal(CATEGORIES, Integer),
            categories.c.count,
            categories.c.total,
            Category.name,
            Category.color,
            Category.name_key,
        )
        .join_from(Category, categories, categories.c.key == Category.id)
        .where(Category.ledger_id == bindparam("ledger_id")),
    ]
    if len(shape) > BUDGETS:
        windows = per_span(shape, tuple(range(BUDGETS, len(shape))))
        branches.extend(stmt.add_columns(null(), null(), null()) for stmt in windows)
    combined = union_all(*branches)
    columns = combined.selected_columns
    return combined.order_by(columns.part, columns.total.desc(), columns.sort)


def overview(scope: Scope, trend: Span, month: Span, windows: Sequence[Span]) -> Overview:
    """Spending per month of `trend`, per category of `month`, in each window: one SELECT."""
    result = Overview({}, [], [ZERO] * len(windows))
    for part, count, total, key, color, _ in run(scope, [trend, month, *windows], _overview):
        if part == TREND:
            result.by_month[key] = total
        elif part == CATEGORIES:
            result.by_category.append(GroupTotal(key, total, count, color))
        else:
            result.spent[part - BUDGETS] = total or ZERO
    return result


def recent_expenses(scope: Scope, limit: int = RECENT_LIMIT) -> list[RecentExpense]:
    """The latest live expenses by date (newest entry first on a tie), with their categories."""
    stmt = (
        owned(Expense, ledger_id=scope.ledger_id)
        .with_only_columns(
            Expense.id,
            Expense.date,
            Expense.description,
            Expense.amount,
            Category.name,
            Category.color,
            Category.icon,
            Expense.user_id,
            Expense.private,
        )
        .join_from(Expense, Category, Category.id == Expense.category_id)
        .order_by(Expense.date.desc(), Expense.created_at.desc(), Expense.id)
        .limit(limit)
    )
    return [
        shown_to(
            RecentExpense(
                expense_id,
                day,
                description,
                amount,
                ListedCategory(name, color, icon),
                author,
                private,
            ),
            scope.user_id,
        )
        for expense_id, day, description, amount, name, color, icon, author, private in (
            db.session.execute(stmt)
        )
    ]
