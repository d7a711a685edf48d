"""The dashboard's spending in ONE SELECT: the trend, this month's categories, the budgets.

Each was a statement of its own, and on PostgreSQL every statement costs
about 0.17 ms whatever it reads (parse, plan, snapshot, the round trip and
psycopg2), more than these few rows of the monthly totals take to sum. So
the three are branches of a UNION ALL, told apart by the column `part`:
the trend's span, this month's span, then one per budget window (see
`spending.py` for how a span reads).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Integer, Select, bindparam, literal, null, select, union_all

from ..models import Category
from ..reports.queries import GroupTotal
from ..spending import Shape, Span, per_key, per_span, shaped_totals

TREND = 0
CATEGORIES = 1
BUDGETS = 2  # the first budget window's span; the others follow
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Totals:
    by_month: dict[str, Decimal]  # `YYYY-MM`: months without spending left out
    by_category: list[GroupTotal]  # largest first
    spent: list[Decimal]  # in each budget window, in order


def _overview(shape: Shape) -> Select:
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
        # The owner condition: see `reports.queries._categories`.
        select(
            literal(CATEGORIES, Integer),
            categories.c.count,
            categories.c.total,
            Category.name,
            Category.color,
            Category.name_key,
        )
        .join_from(Category, categories, categories.c.key == Category.id)
        .where(Category.user_id == bindparam("user_id")),
    ]
    if len(shape) > BUDGETS:
        windows = per_span(shape, tuple(range(BUDGETS, len(shape))))
        branches.extend(stmt.add_columns(null(), null(), null()) for stmt in windows)
    combined = union_all(*branches)
    columns = combined.selected_columns
    return combined.order_by(columns.part, columns.total.desc(), columns.sort)


def dashboard_totals(
    user_id: uuid.UUID, trend: Span, month: Span, windows: Sequence[Span]
) -> Totals:
    """Spending per month of `trend`, per category of `month`, in each window: one SELECT."""
    totals = Totals({}, [], [ZERO] * len(windows))
    for part, count, total, key, color, _ in shaped_totals(
        user_id, [trend, month, *windows], _overview
    ):
        if part == TREND:
            totals.by_month[key] = total
        elif part == CATEGORIES:
            totals.by_category.append(GroupTotal(key, total, count, color))
        else:
            totals.spent[part - BUDGETS] = total or ZERO
    return totals
