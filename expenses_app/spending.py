"""Spending totals over date spans: whole months from the monthly totals, the rest from expenses.

`expense_month_totals` (kept exact by triggers, migration 0005) answers any
whole month with a handful of rows. A span that starts or ends inside a
month adds the expenses of just those partial months, read from the user's
date index. So a total costs about the same for one month of history as
for ten years. Everything comes back in ONE SELECT (a UNION ALL of the
parts), so pages keep a fixed statement count.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    Subquery,
    bindparam,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from .extensions import db
from .models import Expense, ExpenseMonthTotal
from .scoping import owned

ZERO = Decimal("0.00")
GROUPS = ("category", "month", "payment_method")
# Month indexes (year * 12 + month - 1) of the dates Python can hold.
FIRST_MONTH = 1 * 12
LAST_MONTH = 9999 * 12 + 11


class month_key(FunctionElement):  # noqa: N801 - reads like the SQL function it renders
    """`YYYY-MM` of a date column, computed by the database.

    The one place that knows the dialects differ: strftime on SQLite, to_char
    on PostgreSQL. Both sort chronologically as text.
    """

    type = String()
    inherit_cache = True
    name = "month_key"


@compiles(month_key, "sqlite")
def _month_key_sqlite(element: month_key, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_key, "postgresql")
def _month_key_postgresql(element: month_key, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@dataclass(frozen=True)
class Span:
    """Inclusive dates (None: unbounded), optionally one category and one payment method."""

    start: dt.date | None = None
    end: dt.date | None = None
    category_id: uuid.UUID | None = None
    payment_method: str | None = None


def _index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _first_day(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def last_day(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def split_span(
    start: dt.date | None, end: dt.date | None
) -> tuple[
    tuple[dt.date | None, dt.date | None] | None, list[tuple[dt.date | None, dt.date | None]]
]:
    """The whole months inside [start, end] (first days; None: unbounded) and the leftover days.

    Leftovers are the partial first and last months; when no month is whole
    the whole span is left over.
    """
    low = None if start is None else _index(start) + (start.day != 1)
    high = None if end is None else _index(end) - (end != last_day(end))
    low_clamped = FIRST_MONTH if low is None else low
    high_clamped = LAST_MONTH if high is None else high
    if low_clamped > min(high_clamped, LAST_MONTH) or high_clamped < FIRST_MONTH:
        return None, [(start, end)]
    days: list[tuple[dt.date | None, dt.date | None]] = []
    if start is not None and start.day != 1:
        days.append((start, last_day(start)))
    if end is not None and end != last_day(end):
        days.append((end.replace(day=1), end))
    months = (
        None if low is None else _first_day(low),
        None if high is None else _first_day(high),
    )
    return months, days


def _keys(group: str | None) -> tuple[list[Any], list[Any]]:
    """The GROUP BY column for the monthly totals and for expenses."""
    if group is None:
        return [], []
    if group == "category":
        return [ExpenseMonthTotal.category_id], [Expense.category_id]
    if group == "month":
        return [month_key(ExpenseMonthTotal.month)], [month_key(Expense.date)]
    if group == "payment_method":
        return [ExpenseMonthTotal.payment_method], [Expense.payment_method]
    raise ValueError(f"unknown spending grouping {group!r}")


# The names of one span's bind parameters (None: no such bound): whole months
# (low, high) or None, leftover day ranges, category, payment method. Which
# names there are fixes the statement's shape; their values vary.
PartNames = tuple[
    tuple[str | None, str | None] | None,
    tuple[tuple[str | None, str | None], ...],
    str | None,
    str | None,
]


def _named_spans(spans: Sequence[Span]) -> tuple[tuple[PartNames, ...], dict[str, Any]]:
    """Each span's parameter names, and the values of all of them."""
    names: list[PartNames] = []
    values: dict[str, Any] = {}

    def name(key: str, value: Any) -> str | None:
        if value is None:
            return None
        values[key] = value
        return key

    for i, span in enumerate(spans):
        months, days = split_span(span.start, span.end)
        names.append(
            (
                None
                if months is None
                else (name(f"s{i}m0", months[0]), name(f"s{i}m1", months[1])),
                tuple(
                    (name(f"s{i}d{j}a", first), name(f"s{i}d{j}b", last))
                    for j, (first, last) in enumerate(days)
                ),
                name(f"s{i}c", span.category_id),
                name(f"s{i}p", span.payment_method),
            )
        )
    return tuple(names), values


def _parts(
    index: int, names: PartNames, group: str | None, bind: Callable[[str], Any]
) -> Iterator[Select]:
    months, days, category_id, payment_method = names
    month_keys, day_keys = _keys(group)
    tag = literal(index, Integer).label("span")
    user_id = bind("user_id")
    if months is not None:
        totals = ExpenseMonthTotal
        stmt = select(
            tag,
            *(key.label("key") for key in month_keys),
            func.sum(totals.expense_count).label("count"),
            func.sum(totals.amount).label("total"),
        ).where(totals.user_id == user_id)
        if months[0] is not None:
            stmt = stmt.where(totals.month >= bind(months[0]))
        if months[1] is not None:
            stmt = stmt.where(totals.month <= bind(months[1]))
        if category_id is not None:
            stmt = stmt.where(totals.category_id == bind(category_id))
        if payment_method is not None:
            stmt = stmt.where(totals.payment_method == bind(payment_method))
        yield stmt.group_by(*month_keys)
    for first, last in days:
        stmt = owned(Expense, user_id=user_id).with_only_columns(
            tag,
            *(key.label("key") for key in day_keys),
            func.count(Expense.id).label("count"),
            func.sum(Expense.amount).label("total"),
        )
        if first is not None:
            stmt = stmt.where(Expense.date >= bind(first))
        if last is not None:
            stmt = stmt.where(Expense.date <= bind(last))
        if category_id is not None:
            stmt = stmt.where(Expense.category_id == bind(category_id))
        if payment_method is not None:
            stmt = stmt.where(Expense.payment_method == bind(payment_method))
        yield stmt.group_by(*day_keys)


def _combined(
    names: tuple[PartNames, ...], group: str | None, bind: Callable[[str], Any]
) -> Subquery:
    parts = [part for index, span in enumerate(names) for part in _parts(index, span, group, bind)]
    combined = union_all(*parts) if len(parts) > 1 else parts[0]
    return combined.subquery("spending")


def spending_parts(user_id: uuid.UUID, spans: Sequence[Span], group: str | None = None) -> Subquery:
    """Columns `span` (index into `spans`), `key` (with a `group`), `count`, `total`.

    Several rows may share a span and key: callers sum them (see below).
    """
    names, values = _named_spans(spans)
    values["user_id"] = user_id
    return _combined(names, group, values.__getitem__)


def span_totals(user_id: uuid.UUID, spans: Sequence[Span]) -> list[tuple[int, Decimal]]:
    """(count, total) of the user's live expenses in each span, in order: one SELECT."""
    if not spans:
        return []
    names, values = _named_spans(spans)
    values["user_id"] = user_id
    found = {
        span: (count or 0, total or ZERO)
        for span, count, total in db.session.execute(_span_totals_statement(names), values)
    }
    return [found.get(index, (0, ZERO)) for index in range(len(spans))]


@lru_cache(maxsize=256)
def _span_totals_statement(names: tuple[PartNames, ...]) -> Select:
    # Built once per shape: building the UNION and its cache key on every
    # request cost more than running it (list, budgets, reports).
    parts = _combined(names, None, bindparam)
    return select(
        parts.c.span, cast(func.sum(parts.c.count), Integer), func.sum(parts.c.total)
    ).group_by(parts.c.span)


def grouped_totals(user_id: uuid.UUID, span: Span, group: str) -> Subquery:
    """Per `key` of `group` in `span`: `count` and `total`, groups with no expense left out.

    A subquery, so a caller can join names (categories) and order in the same SELECT.
    """
    parts = spending_parts(user_id, [span], group)
    count = cast(func.sum(parts.c.count), Integer)
    return (
        select(parts.c.key, count.label("count"), func.sum(parts.c.total).label("total"))
        .group_by(parts.c.key)
        .having(func.sum(parts.c.count) > 0)
        .subquery("grouped")
    )
