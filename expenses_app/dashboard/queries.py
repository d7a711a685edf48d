"""What the dashboard shows, in a fixed number of SELECTs whatever the data's size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ..budgets.progress import BudgetProgress
from ..budgets.queries import ledger_budgets
from ..budgets.services import budget_windows, current_periods, progress_of
from ..charts import Chart, ChartItem, bar_chart, column_chart
from ..money import ZERO
from ..months import last_day, months_back
from ..reads import GroupTotal, RecentExpense, Span, overview, recent_expenses
from ..scoping import Scope

TREND_MONTHS = 12


@dataclass(frozen=True)
class MonthTotal:
    month: dt.date  # the first day of the month
    total: Decimal


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    trend: list[MonthTotal]
    by_category: list[GroupTotal]
    budgets: list[BudgetProgress]
    recent: list[RecentExpense]

    @property
    def this_month(self) -> Decimal:
        return self.trend[-1].total

    @property
    def last_month(self) -> Decimal:
        return self.trend[-2].total

    @property
    def change(self) -> Decimal:
        return self.this_month - self.last_month

    @property
    def change_percent(self) -> int | None:
        """Whole percent change from last month; None when last month had no spending."""
        if self.last_month == 0:
            return None
        return int((self.change * 100 / self.last_month).to_integral_value())

    def category_chart(self) -> Chart:
        return bar_chart(
            f"Spending by category in {self.today:%B %Y}",
            [ChartItem(row.key, row.total, row.color) for row in self.by_category],
        )

    def trend_chart(self) -> Chart:
        return column_chart(
            f"Spending per month, {self.trend[0].month:%b %Y} to {self.trend[-1].month:%b %Y}",
            [ChartItem(f"{m.month:%b}", m.total) for m in self.trend],
        )


def build_dashboard(scope: Scope, today: dt.date) -> Dashboard:
    """Everything on `/`: three SELECTs whatever the data's size.

    The budgets, then all the spending totals at once (see `totals.py`),
    then the recent expenses.
    """
    budgets = ledger_budgets(scope.ledger_id)
    periods = current_periods(budgets, today)
    months = months_back(today, TREND_MONTHS)
    this_month = Span(months[-1], last_day(months[-1]))
    totals = overview(
        scope,
        Span(months[0], this_month.end),
        this_month,
        budget_windows(budgets, periods),
    )
    return Dashboard(
        today=today,
        trend=[MonthTotal(m, totals.by_month.get(f"{m:%Y-%m}", ZERO)) for m in months],
        by_category=totals.by_category,
        budgets=progress_of(budgets, periods, totals.spent, today),
        recent=recent_expenses(scope),
    )
