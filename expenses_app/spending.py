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
    Result,
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


# Which bounds a range has (lower, upper): part of a statement's shape, never a value.
Bounds = tuple[bool, bool]


@dataclass(frozen=True)
class SpanShape:
    """How a span reads as SQL: its whole months, its leftover days, which filters apply."""

    months: Bounds | None
    days: tuple[Bounds, ...]
    category: bool
    payment_method: bool


Shape = tuple[SpanShape, ...]


def _bounds(params: dict[str, Any], name: str, low: dt.date | None, high: dt.date | None) -> Bounds:
    if low is not None:
        params[f"{name}_low"] = low
    if high is not None:
        params[f"{name}_high"] = high
    return low is not None, high is not None


def shape_of(user_id: uuid.UUID, spans: Sequence[Span]) -> tuple[Shape, dict[str, Any]]:
    """The spans' statement shape and the values of its bind parameters."""
    params: dict[str, Any] = {"user_id": user_id}
    shape = []
    for index, span in enumerate(spans):
        months, days = split_span(span.start, span.end)
        if span.category_id is not None:
            params[f"s{index}_category"] = span.category_id
        if span.payment_method is not None:
            params[f"s{index}_payment"] = span.payment_method
        shape.append(
            SpanShape(
                months=None if months is None else _bounds(params, f"s{index}_m", *months),
                days=tuple(
                    _bounds(params, f"s{index}_d{part}", first, last)
                    for part, (first, last) in enumerate(days)
                ),
                category=span.category_id is not None,
                payment_method=span.payment_method is not None,
            )
        )
    return tuple(shape), params


def _where(stmt: Select, name: str, bounds: Bounds, day: Any) -> Select:
    if bounds[0]:
        stmt = stmt.where(day >= bindparam(f"{name}_low"))
    if bounds[1]:
        stmt = stmt.where(day <= bindparam(f"{name}_high"))
    return stmt


def _filters(stmt: Select, index: int, span: SpanShape, category: Any, payment: Any) -> Select:
    if span.category:
        stmt = stmt.where(category == bindparam(f"s{index}_category"))
    if span.payment_method:
        stmt = stmt.where(payment == bindparam(f"s{index}_payment"))
    return stmt


def _parts(index: int, span: SpanShape, group: str | None) -> Iterator[Select]:
    month_keys, day_keys = _keys(group)
    tag = literal(index, Integer).label("span")
    if span.months is not None:
        totals = ExpenseMonthTotal
        stmt = select(
            tag,
            *(key.label("key") for key in month_keys),
            func.sum(totals.expense_count).label("count"),
            func.sum(totals.amount).label("total"),
        ).where(totals.user_id == bindparam("user_id"))
        stmt = _where(stmt, f"s{index}_m", span.months, totals.month)
        stmt = _filters(stmt, index, span, totals.category_id, totals.payment_method)
        # Rows of one month share their key: grouped by the month itself, the
        # key is formatted once per month, not per row (PostgreSQL's to_char
        # of a few hundred rows was half of the dashboard trend's 0.12 ms).
        groups = [totals.month] if group == "month" else month_keys
        yield stmt.group_by(*groups)
    for part, bounds in enumerate(span.days):
        stmt = owned(Expense, user_id=bindparam("user_id")).with_only_columns(
            tag,
            *(key.label("key") for key in day_keys),
            func.count(Expense.id).label("count"),
            func.sum(Expense.amount).label("total"),
        )
        stmt = _where(stmt, f"s{index}_d{part}", bounds, Expense.date)
        stmt = _filters(stmt, index, span, Expense.category_id, Expense.payment_method)
        yield stmt.group_by(*day_keys)


# Statements are built once per shape, with bind parameters for the values:
# building one and its cache key on every call cost about as much as running
# it. A user's budgets keep their shape from day to day, so few are in use.
SHAPES_KEPT = 256


Spans = tuple[int, ...] | None  # indexes into a shape's spans; None: all of them


def _selected(shape: Shape, group: str | None, spans: Spans) -> list[Select]:
    indexes = range(len(shape)) if spans is None else spans
    return [part for index in indexes for part in _parts(index, shape[index], group)]


@lru_cache(maxsize=SHAPES_KEPT)
def _union(shape: Shape, group: str | None, spans: Spans = None) -> Subquery:
    """Columns `span` (index into the spans), `key` (with a `group`), `count`, `total`.

    Only the spans at `spans` (all by default), so one statement can group
    different spans of a shape differently. Several rows may share a span
    and key: callers sum them (see below).
    """
    parts = _selected(shape, group, spans)
    combined = union_all(*parts) if len(parts) > 1 else parts[0]
    return combined.subquery("spending")


# A lone part (a span of whole months, or of days within one month: most
# of them) already has one row per key, and without a GROUP BY one row in
# all: summing it again only cost PostgreSQL planning and a sort (about
# 0.1 ms of the dashboard's totals), so the shortcuts below leave it as is.


def per_span(shape: Shape, spans: Spans = None) -> list[Select]:
    """SELECTs of columns `span`, `count` and `total`, one row per span of `spans` in all.

    A span with no expense may give no row, or NULL sums.
    """
    parts = _selected(shape, None, spans)
    if len(parts) == len(shape if spans is None else spans):
        return parts
    summed = _union(shape, None, spans)
    return [
        select(
            summed.c.span,
            cast(func.sum(summed.c.count), Integer).label("count"),
            func.sum(summed.c.total).label("total"),
        ).group_by(summed.c.span)
    ]


@lru_cache(maxsize=SHAPES_KEPT)
def _span_totals(shape: Shape) -> Select:
    selects = per_span(shape)
    return union_all(*selects) if len(selects) > 1 else selects[0]


def span_totals(user_id: uuid.UUID, spans: Sequence[Span]) -> list[tuple[int, Decimal]]:
    """(count, total) of the user's live expenses in each span, in order: one SELECT."""
    if not spans:
        return []
    shape, params = shape_of(user_id, spans)
    rows = db.session.execute(_span_totals(shape), params)
    found = {span: (count or 0, total or ZERO) for span, count, total in rows}
    return [found.get(index, (0, ZERO)) for index in range(len(spans))]


@lru_cache(maxsize=SHAPES_KEPT)
def per_key(shape: Shape, group: str, spans: Spans = None) -> Subquery:
    """Columns `key`, `count` and `total` of the spans at `spans` (all by default), one row
    per key, keys with no expense left out."""
    parts = _selected(shape, group, spans)
    if len(parts) == 1:
        (part,) = parts
        return part.having(part.selected_columns.count > 0).subquery("grouped")
    summed = _union(shape, group, spans)
    count = cast(func.sum(summed.c.count), Integer)
    return (
        select(summed.c.key, count.label("count"), func.sum(summed.c.total).label("total"))
        .group_by(summed.c.key)
        .having(func.sum(summed.c.count) > 0)
        .subquery("grouped")
    )


@lru_cache(maxsize=SHAPES_KEPT)
def _around(outer: Callable[[Subquery], Select], shape: Shape, group: str) -> Select:
    return outer(per_key(shape, group))


def grouped_totals(
    user_id: uuid.UUID, span: Span, group: str, outer: Callable[[Subquery], Select]
) -> Result[Any]:
    """Run `outer` around the spending per `key` of `group` in `span`: one SELECT.

    The subquery `outer` gets has columns `key`, `count` and `total`, groups
    with no expense left out, so a caller can join names (categories) and
    order in the same SELECT. `outer` must be a module-level function: the
    statement it makes is kept per function and shape.
    """
    shape, params = shape_of(user_id, [span])
    return db.session.execute(_around(outer, shape, group), params)


@lru_cache(maxsize=SHAPES_KEPT)
def _built(build: Callable[[Shape], Select], shape: Shape) -> Select:
    return build(shape)


def shaped_totals(
    user_id: uuid.UUID, spans: Sequence[Span], build: Callable[[Shape], Select]
) -> Result[Any]:
    """Run the statement `build` makes of the spans' shape: one SELECT for any mix of totals.

    `build` combines `per_span` and `per_key` as it needs (each
    span's bind parameters are its own); like `outer` above, it must be a
    module-level function, as its statement is kept per function and shape.
    """
    shape, params = shape_of(user_id, spans)
    return db.session.execute(_built(build, shape), params)
