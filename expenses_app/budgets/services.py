"""Budget rules shared by the pages, the dashboard and the expense alerts.

Services take plain values and never commit: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..extensions import db
from ..models import Budget
from ..reads import Span, span_totals
from ..scoping import Scope
from ..versioning import check_version, flush_edit
from .periods import Period, past_periods, shown_period
from .progress import BudgetProgress
from .queries import BudgetLine, ledger_budgets


@dataclass(frozen=True)
class BudgetValues:
    """The user-editable fields of a budget, already validated."""

    amount: Decimal
    period: str
    start_date: dt.date
    end_date: dt.date | None = None
    category_id: uuid.UUID | None = None


def create_budget(ledger_id: uuid.UUID, values: BudgetValues) -> Budget:
    """A new budget in `ledger_id`. `values.category_id` must already be the ledger's."""
    budget = Budget(ledger_id=ledger_id)
    _assign(budget, values)
    db.session.add(budget)
    db.session.flush()
    return budget


def update_budget(budget: Budget, values: BudgetValues, expected_version: int | None) -> Budget:
    """Apply `values`, refusing with EditConflict when the form was based on an old version.

    The version column then guards the UPDATE itself against a save that
    lands between this check and the flush.
    """
    check_version(budget, expected_version)
    _assign(budget, values)
    flush_edit()
    return budget


def delete_budget(budget: Budget) -> None:
    """Delete the budget; its spending history is computed, so nothing else goes with it."""
    db.session.delete(budget)
    db.session.flush()


def _assign(budget: Budget, values: BudgetValues) -> None:
    budget.amount = values.amount
    budget.period = values.period
    budget.start_date = values.start_date
    budget.end_date = values.end_date
    budget.category_id = values.category_id


def budget_windows(budgets: Sequence[BudgetLine], periods: Sequence[Period]) -> list[Span]:
    """What each (budget, period) pair counts: the period's dates, the budget's category."""
    return [
        Span(period.start, period.end, budget.category_id)
        for budget, period in zip(budgets, periods, strict=True)
    ]


def progress_of(
    budgets: Sequence[BudgetLine],
    periods: Sequence[Period],
    spent: Sequence[Decimal],
    today: dt.date,
) -> list[BudgetProgress]:
    """BudgetProgress for each (budget, period) pair, given what was spent in its window."""
    return [
        BudgetProgress(
            budget_id=budget.id,
            category_name=budget.category_name,
            category_color=budget.category_color,
            period_kind=budget.period,
            amount=budget.amount,
            period=period,
            spent=amount,
            today=today,
            category_id=budget.category_id,
        )
        for budget, period, amount in zip(budgets, periods, spent, strict=True)
    ]


def progress_for(
    scope: Scope, budgets: Sequence[BudgetLine], periods: Sequence[Period], today: dt.date
) -> list[BudgetProgress]:
    """BudgetProgress for each (budget, period) pair of `scope`'s ledger, with one spending
    query for all."""
    if not budgets:
        return []
    windows = budget_windows(budgets, periods)
    spent = [total for _, total in span_totals(scope, windows)]
    return progress_of(budgets, periods, spent, today)


def current_periods(budgets: Sequence[BudgetLine], today: dt.date) -> list[Period]:
    """The period each budget shows today."""
    return [shown_period(b.period, today, b.start_date, b.end_date) for b in budgets]


def budgets_progress(scope: Scope, today: dt.date) -> list[BudgetProgress]:
    """Every budget of the ledger in its current period (two SELECTs whatever their number)."""
    budgets = ledger_budgets(scope.ledger_id)
    return progress_for(scope, budgets, current_periods(budgets, today), today)


def budget_history(scope: Scope, budget: Budget, today: dt.date) -> list[BudgetProgress]:
    """The budget's periods since its start, newest first (bounded; one SELECT).

    `budget.category` must be loaded; `scope` is the viewer's in the budget's ledger.
    """
    periods = past_periods(budget.period, today, budget.start_date, budget.end_date)
    return progress_for(scope, [BudgetLine.of(budget)] * len(periods), periods, today)
