"""What the dashboard shows, in a fixed number of SELECTs whatever the data's size."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, Subquery, bindparam, select

from ..budgets.progress import BudgetProgress
from ..budgets.services import budgets_progress
from ..charts import Chart, ChartItem, bar_chart, column_chart
from ..expenses.queries import ListedCategory
from ..extensions import db
from ..models import Category, Expense
from ..reports.queries import GroupTotal, group_totals
from ..scoping import owned
from ..spending import Span, grouped_totals, last_day

TREND_MONTHS = 12
RECENT_LIMIT = 8
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class MonthTotal:
    month: dt.date  # the first day of the month
    total: Decimal


@dataclass(frozen=True, slots=True)
class RecentExpense:
    """A line of the recent expenses: read as a plain row, the page only displays it."""

    id: uuid.UUID
    date: dt.date
    description: str
    amount: Decimal
    category: ListedCategory


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


def months_back(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the `count` months up to and including today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return [dt.date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def monthly_trend(
    user_id: uuid.UUID, today: dt.date, count: int = TREND_MONTHS
) -> list[MonthTotal]:
    """Spending per month for the last `count` months, months without spending as zero."""
    months = months_back(today, count)
    # Whole months: read from the monthly totals alone (see `spending.py`).
    span = Span(months[0], last_day(months[-1]))
    totals = {key: total for key, total in grouped_totals(user_id, span, "month", _totals)}
    return [MonthTotal(m, totals.get(f"{m:%Y-%m}", ZERO)) for m in months]


def _totals(grouped: Subquery) -> Select:
    return select(grouped.c.key, grouped.c.total)


# Built once, as it is the same on every request but for the user.
_RECENT = (
    owned(Expense, user_id=bindparam("user_id"))
    .with_only_columns(
        Expense.id,
        Expense.date,
        Expense.description,
        Expense.amount,
        Category.name,
        Category.color,
        Category.icon,
    )
    .join_from(Expense, Category, Category.id == Expense.category_id)
    .order_by(Expense.date.desc(), Expense.created_at.desc(), Expense.id)
    .limit(RECENT_LIMIT)
)


def recent_expenses(user_id: uuid.UUID) -> list[RecentExpense]:
    """The latest expenses by date (newest entry first on a tie), with their categories."""
    return [
        RecentExpense(expense_id, day, description, amount, ListedCategory(name, color, icon))
        for expense_id, day, description, amount, name, color, icon in db.session.execute(
            _RECENT, {"user_id": user_id}
        )
    ]


def build_dashboard(user_id: uuid.UUID, today: dt.date) -> Dashboard:
    """Everything on `/`: five SELECTs (four with no budgets), whatever the data's size."""
    first = today.replace(day=1)
    return Dashboard(
        today=today,
        trend=monthly_trend(user_id, today),
        by_category=group_totals(user_id, first, last_day(first), "category"),
        budgets=budgets_progress(user_id, today),
        recent=recent_expenses(user_id),
    )
