"""Spending totals over date spans: whole months from the monthly totals, the rest from expenses.

`expense_month_totals` (a derived table, see `expenses_app/derived/`) answers any whole
month with a handful of rows. A span that starts or ends inside a month adds
the expenses of just those partial months, read from the ledger's date index.
So a total costs about the same for one month of history as for ten years.
Everything comes back in ONE SELECT (a UNION ALL of the parts), so pages keep
a fixed statement count. `reference.py` computes the same answers from
`expenses` alone; the twin test holds the two together.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    Result,
    Select,
    Subquery,
    bindparam,
    cast,
    func,
    literal,
    select,
    union_all,
)

from ..extensions import db
from ..models import Expense, ExpenseMonthTotal
from ..money import ZERO
from ..scoping import Scope, owned
from .privacy import shown_method, totals_shown_method, totals_visible_to, visible_to
from .shape import Bounds, Shape, SpanShape, month_key, shape_of
from .types import Span, SpanTotal

# Every statement here takes the ledger and the viewer as bind parameters (`shape_of`).
LEDGER = bindparam("ledger_id")
VIEWER = bindparam("viewer")


def _keys(group: str | None) -> tuple[list[Any], list[Any]]:
    """The GROUP BY column for the monthly totals and for expenses (payment methods as the
    viewer sees them: another member's private expenses under `private`)."""
    if group is None:
        return [], []
    if group == "category":
        return [ExpenseMonthTotal.category_id], [Expense.category_id]
    if group == "month":
        return [month_key(ExpenseMonthTotal.month)], [month_key(Expense.date)]
    if group == "payment_method":
        return [totals_shown_method(VIEWER)], [shown_method(Expense, VIEWER)]
    raise ValueError(f"unknown spending grouping {group!r}")


def _where(stmt: Select, name: str, bounds: Bounds, day: Any) -> Select:
    if bounds[0]:
        stmt = stmt.where(day >= bindparam(f"{name}_low"))
    if bounds[1]:
        stmt = stmt.where(day <= bindparam(f"{name}_high"))
    return stmt


def _filters(
    stmt: Select, index: int, span: SpanShape, category: Any, payment: Any, visible: Any
) -> Select:
    if span.category:
        stmt = stmt.where(category == bindparam(f"s{index}_category"))
    if span.payment_method:
        # A payment method matches only where the viewer may see it.
        stmt = stmt.where(payment == bindparam(f"s{index}_payment"), visible)
    return stmt


def _parts(index: int, span: SpanShape, group: str | None) -> Iterator[Select]:
    """The SELECTs of span `index`: its whole months from the monthly totals, then each run
    of leftover days from the expenses, grouped by `group` (or not at all)."""
    month_keys, day_keys = _keys(group)
    tag = literal(index, Integer).label("span")
    if span.months is not None:
        totals = ExpenseMonthTotal
        # Through the one scoping door, like the expenses below.
        stmt = owned(totals, ledger_id=LEDGER).with_only_columns(
            tag,
            *(key.label("key") for key in month_keys),
            func.sum(totals.expense_count).label("count"),
            func.sum(totals.amount).label("total"),
        )
        stmt = _where(stmt, f"s{index}_m", span.months, totals.month)
        visible = totals_visible_to(VIEWER)
        stmt = _filters(stmt, index, span, totals.category_id, totals.payment_method, visible)
        # Rows of one month share their key: grouped by the month itself, the
        # key is formatted once per month, not once per row of the totals.
        groups = [totals.month] if group == "month" else month_keys
        yield stmt.group_by(*groups)
    for part, bounds in enumerate(span.days):
        stmt = owned(Expense, ledger_id=LEDGER).with_only_columns(
            tag,
            *(key.label("key") for key in day_keys),
            func.count(Expense.id).label("count"),
            func.sum(Expense.amount).label("total"),
        )
        stmt = _where(stmt, f"s{index}_d{part}", bounds, Expense.date)
        visible = visible_to(Expense, VIEWER)
        stmt = _filters(stmt, index, span, Expense.category_id, Expense.payment_method, visible)
        yield stmt.group_by(*day_keys)


Spans = tuple[int, ...] | None  # indexes into a shape's spans; None: all of them


def _selected(shape: Shape, group: str | None, spans: Spans) -> list[Select]:
    indexes = range(len(shape)) if spans is None else spans
    return [part for index in indexes for part in _parts(index, shape[index], group)]


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
# all: summing it again only costs the database planning and a sort, so the
# shortcuts below leave it as is.


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


def _all_spans(shape: Shape) -> Select:
    selects = per_span(shape)
    return union_all(*selects) if len(selects) > 1 else selects[0]


# The one cache of the read package: a statement is built once per shape (its
# values are bind parameters), because building a SELECT of a few UNION ALL
# branches and SQLAlchemy's cache key for it costs about as much CPU as running
# it. The delta is recorded in bench/README.md ("Statements kept per shape");
# tests/test_reads_twin.py compares the answers with the plain reference. A
# ledger's budgets keep their shape from day to day, so few shapes are in use.
SHAPES_KEPT = 256


@lru_cache(maxsize=SHAPES_KEPT)
def _statement(build: Callable[..., Select], shape: Shape, *extra: Hashable) -> Select:
    return build(shape, *extra)


def run(
    scope: Scope, spans: Sequence[Span], build: Callable[..., Select], *extra: Hashable
) -> Result[Any]:
    """Run the statement `build(shape, *extra)` makes of the spans' shape: one SELECT.

    `build` combines `per_span` and `per_key` as it needs (each span's bind
    parameters are its own). It must be a module-level function of the shape
    and `extra` alone, as its statement is kept per function, shape and extra.
    """
    shape, params = shape_of(scope, spans)
    return db.session.execute(_statement(build, shape, *extra), params)


def span_totals(scope: Scope, spans: Sequence[Span]) -> list[SpanTotal]:
    """(count, total) of the ledger's live expenses in each span, in order: one SELECT."""
    if not spans:
        return []
    found = {
        span: SpanTotal(count or 0, total or ZERO)
        for span, count, total in run(scope, spans, _all_spans)
    }
    return [found.get(index, SpanTotal(0, ZERO)) for index in range(len(spans))]


def _grouped(shape: Shape, group: str, outer: Callable[[Subquery], Select]) -> Select:
    return outer(per_key(shape, group))


def grouped_totals(
    scope: Scope, span: Span, group: str, outer: Callable[[Subquery], Select]
) -> Result[Any]:
    """Run `outer` around the spending per `key` of `group` in `span`: one SELECT.

    The subquery `outer` gets has columns `key`, `count` and `total`, groups
    with no expense left out, so a caller can join names (categories) and
    order in the same SELECT. `outer` must be a module-level function.
    """
    return run(scope, [span], _grouped, group, outer)
