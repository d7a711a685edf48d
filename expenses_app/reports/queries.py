"""Grouped spending totals, summed in SQL, shared by the reports page and the dashboard."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, Subquery, bindparam, func, select

from ..extensions import db
from ..models import Category, Expense, Tag, expense_tags
from ..scoping import owned
from ..spending import Span, grouped_totals, span_totals

GROUPS = ("category", "month", "tag", "payment_method")
GROUP_NAMES = {
    "category": "Category",
    "month": "Month",
    "tag": "Tag",
    "payment_method": "Payment method",
}
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ReportQuery:
    """What a report covers: inclusive dates and one of GROUPS."""

    start: dt.date
    end: dt.date
    group: str


@dataclass(frozen=True)
class GroupTotal:
    """One group's spending: `key` is what the CSV writes, `color` only for categories."""

    key: str
    total: Decimal
    count: int
    color: str | None = None


def _in_range(user_id: uuid.UUID, start: dt.date, end: dt.date) -> Select:
    return owned(Expense, user_id=user_id).where(Expense.date >= start, Expense.date <= end)


def range_total(user_id: uuid.UUID, start: dt.date, end: dt.date) -> tuple[Decimal, int]:
    """The user's total spending and number of expenses between two dates (inclusive)."""
    ((count, total),) = span_totals(user_id, [Span(start, end)])
    return total, count


def group_totals(user_id: uuid.UUID, start: dt.date, end: dt.date, group: str) -> list[GroupTotal]:
    """Spending between two dates per category, month, tag or payment method: one SELECT.

    Months come in calendar order, other groups largest first. Categories,
    months and payment methods read the monthly totals (see `spending.py`).
    An expense with several tags counts once under each; expenses with no
    tag are left out of the tag grouping (see `untagged_total`).
    """
    if group == "tag":
        total = func.sum(Expense.amount).label("total")
        count = func.count(Expense.id).label("count")
        stmt = (
            _in_range(user_id, start, end)
            .with_only_columns(Tag.name, total, count)
            .join_from(Expense, expense_tags, expense_tags.c.expense_id == Expense.id)
            .join(Tag, Tag.id == expense_tags.c.tag_id)
            .group_by(Tag.id, Tag.name, Tag.name_key)
            .order_by(total.desc(), Tag.name_key)
        )
        return [GroupTotal(*row) for row in db.session.execute(stmt)]
    outer = {"category": _categories, "month": _months}.get(group, _largest)
    return [GroupTotal(*row) for row in grouped_totals(user_id, Span(start, end), group, outer)]


def _categories(groups: Subquery) -> Select:
    """Category groups with the categories' names and colours, largest first.

    The owner condition changes no answer (the groups hold only the user's
    categories) but lets PostgreSQL read the user's few categories by index:
    it guesses dozens of groups and otherwise hashes every user's categories
    (0.5 ms of the reports page's 0.6 ms of SQL at 6,000 categories).
    """
    return (
        select(Category.name, groups.c.total, groups.c.count, Category.color)
        .join(groups, groups.c.key == Category.id)
        .where(Category.user_id == bindparam("user_id"))
        .order_by(groups.c.total.desc(), Category.name_key)
    )


def _months(groups: Subquery) -> Select:
    return select(groups.c.key, groups.c.total, groups.c.count).order_by(groups.c.key)


def _largest(groups: Subquery) -> Select:
    return select(groups.c.key, groups.c.total, groups.c.count).order_by(
        groups.c.total.desc(), groups.c.key
    )


def untagged_total(user_id: uuid.UUID, start: dt.date, end: dt.date) -> tuple[Decimal, int]:
    """Spending between two dates on expenses that carry no tag at all."""
    has_tag = (
        select(expense_tags.c.expense_id).where(expense_tags.c.expense_id == Expense.id).exists()
    )
    stmt = (
        _in_range(user_id, start, end)
        .where(~has_tag)
        .with_only_columns(func.sum(Expense.amount), func.count(Expense.id))
    )
    total, count = db.session.execute(stmt).one()
    return (total if total is not None else ZERO), count
