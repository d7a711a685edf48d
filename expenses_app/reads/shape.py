"""How a span reads as SQL: its whole months and leftover days, as a hashable shape.

A span's dates decide which parts a statement has (whole months from the
monthly totals, partial months from expenses) and which bounds each part
has; the dates themselves are bind parameters. Statements are therefore
built per shape, not per value (see `spans.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from ..months import FIRST_INDEX, LAST_INDEX, from_index, last_day, month_index
from ..scoping import Scope
from .types import Span


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


def split_span(
    start: dt.date | None, end: dt.date | None
) -> tuple[
    tuple[dt.date | None, dt.date | None] | None, list[tuple[dt.date | None, dt.date | None]]
]:
    """The whole months inside [start, end] (first days; None: unbounded) and the leftover days.

    Leftovers are the partial first and last months; when no month is whole
    the whole span is left over.
    """
    low = None if start is None else month_index(start) + (start.day != 1)
    high = None if end is None else month_index(end) - (end != last_day(end))
    low_clamped = FIRST_INDEX if low is None else low
    high_clamped = LAST_INDEX if high is None else high
    if low_clamped > min(high_clamped, LAST_INDEX) or high_clamped < FIRST_INDEX:
        return None, [(start, end)]
    days: list[tuple[dt.date | None, dt.date | None]] = []
    if start is not None and start.day != 1:
        days.append((start, last_day(start)))
    if end is not None and end != last_day(end):
        days.append((end.replace(day=1), end))
    months = (
        None if low is None else from_index(low),
        None if high is None else from_index(high),
    )
    return months, days


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


def shape_of(scope: Scope, spans: Sequence[Span]) -> tuple[Shape, dict[str, Any]]:
    """The spans' statement shape and the values of its bind parameters: the ledger's
    (`ledger_id`) as `scope`'s user (`viewer`) sees them."""
    params: dict[str, Any] = {"ledger_id": scope.ledger_id, "viewer": scope.user_id}
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
