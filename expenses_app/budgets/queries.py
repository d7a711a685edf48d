"""The SQL behind budget progress: a fixed number of statements for any number of budgets."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, case, func, or_
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import PERIODS, Budget, Category, Expense
from ..scoping import owned

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Window:
    """Days to sum over, optionally for one category only."""

    start: dt.date
    end: dt.date
    category_id: uuid.UUID | None = None


def spending_in_windows(user_id: uuid.UUID, windows: Sequence[Window]) -> list[Decimal]:
    """The user's spending in each window, in order, from ONE aggregate SELECT.

    Each window becomes a `SUM(CASE WHEN <in window> THEN amount END)` column
    over the user's expenses in the union of the windows' date ranges (the
    `(user_id, date)` index), so overlapping windows of different budgets cost
    one scan, and an old ended budget does not drag in the years between.
    Trashed expenses never count (the scoping gate).
    """
    if not windows:
        return []
    columns = [
        func.sum(case((_in_window(window), Expense.amount))).label(f"w{index}")
        for index, window in enumerate(windows)
    ]
    stmt = (
        owned(Expense, user_id=user_id)
        .with_only_columns(*columns)
        .where(
            or_(
                *(
                    and_(Expense.date >= start, Expense.date <= end)
                    for start, end in merged_ranges(windows)
                )
            )
        )
    )
    row = db.session.execute(stmt).one()
    return [ZERO if value is None else value for value in row]


def merged_ranges(windows: Sequence[Window]) -> list[tuple[dt.date, dt.date]]:
    """The windows' date ranges with overlapping and adjacent ones merged, in order."""
    merged: list[tuple[dt.date, dt.date]] = []
    for window in sorted(windows, key=lambda w: w.start):
        if merged and (window.start - merged[-1][1]).days <= 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], window.end))
        else:
            merged.append((window.start, window.end))
    return merged


def _in_window(window: Window):
    condition = and_(Expense.date >= window.start, Expense.date <= window.end)
    if window.category_id is not None:
        condition = and_(condition, Expense.category_id == window.category_id)
    return condition


def user_budgets(user_id: uuid.UUID) -> list[Budget]:
    """The user's budgets with their categories: overall ones first, then by category name."""
    period_order = case({name: index for index, name in enumerate(PERIODS)}, value=Budget.period)
    stmt = (
        owned(Budget, user_id=user_id)
        .outerjoin(Budget.category)
        .options(contains_eager(Budget.category))
        .order_by(
            Budget.category_id.is_not(None),
            Category.name_key,
            period_order,
            Budget.start_date,
            Budget.id,
        )
    )
    return list(db.session.scalars(stmt))


def budgets_covering(user_id: uuid.UUID, day: dt.date, category_id: uuid.UUID) -> list[Budget]:
    """The user's budgets that an expense on `day` in `category_id` counts towards."""
    stmt = (
        owned(Budget, user_id=user_id)
        .outerjoin(Budget.category)
        .options(contains_eager(Budget.category))
        .where(
            or_(Budget.category_id.is_(None), Budget.category_id == category_id),
            Budget.start_date <= day,
            or_(Budget.end_date.is_(None), Budget.end_date >= day),
        )
        .order_by(Budget.category_id.is_not(None), Budget.period, Budget.id)
    )
    return list(db.session.scalars(stmt))
