"""How a period's spending compares with its budget: percent, status, pace.

Pure Decimal arithmetic on sums that came from the database.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import cached_property

from ..charts import STATUS_COLORS, Chart, ChartItem, bar_chart
from ..models.types import CENT
from ..money import ZERO, format_money
from .periods import PERIOD_NAMES, Period

WARNING_SHARE = Decimal("0.8")
OVERALL_NAME = "Overall"


def budget_status(spent: Decimal, amount: Decimal) -> str:
    """`ok`, `warning` from 80 % up to and including 100 %, `over` above 100 % (contract)."""
    if spent > amount:
        return "over"
    if spent >= amount * WARNING_SHARE:
        return "warning"
    return "ok"


def percent_used(spent: Decimal, amount: Decimal) -> int:
    """Whole percent of the budget used, rounded so the number never contradicts the status.

    Rounding down keeps 79.9 % at `79%` (still ok); an overspent budget rounds
    up, so 100.2 % reads `101%` rather than a misleading `100%`.
    """
    share = spent * 100 / amount
    rounding = ROUND_CEILING if spent > amount else ROUND_FLOOR
    return int(share.quantize(Decimal(1), rounding=rounding))


def projected_total(spent: Decimal, period: Period, today: dt.date) -> Decimal | None:
    """The period's end total if spending keeps its pace so far; None before it starts."""
    elapsed = period.days_elapsed(today)
    if elapsed == 0:
        return None
    return (spent * period.days / elapsed).quantize(CENT)


def budget_label(category_name: str | None, period_kind: str) -> str:
    """`Food monthly budget`, `Overall weekly budget`."""
    return f"{category_name or OVERALL_NAME} {period_kind} budget"


@dataclass(frozen=True)
class BudgetProgress:
    """A budget's standing in one period, ready to show.

    The figures a page shows several times (status, percent, ...) are worked
    out once: a budget card reads each two or three times.
    """

    budget_id: uuid.UUID
    category_name: str | None
    category_color: str | None
    period_kind: str
    amount: Decimal
    period: Period
    spent: Decimal
    today: dt.date
    # Issue 14: whose recurring rules count as committed (None: every category).
    category_id: uuid.UUID | None = None

    @cached_property
    def label(self) -> str:
        return budget_label(self.category_name, self.period_kind)

    @property
    def period_name(self) -> str:
        return PERIOD_NAMES[self.period_kind]

    @property
    def remaining(self) -> Decimal:
        """What is left to spend; negative when over."""
        return self.amount - self.spent

    @property
    def over_by(self) -> Decimal:
        return max(ZERO, self.spent - self.amount)

    @cached_property
    def status(self) -> str:
        return budget_status(self.spent, self.amount)

    @cached_property
    def percent(self) -> int:
        return percent_used(self.spent, self.amount)

    @property
    def progress_value(self) -> Decimal:
        """The `<progress>` value: capped at the maximum, which the element requires."""
        return min(self.spent, self.amount)

    @cached_property
    def state(self) -> str:
        """`upcoming`, `current` or `ended`, relative to today."""
        if self.today < self.period.start:
            return "upcoming"
        if self.today > self.period.end:
            return "ended"
        return "current"

    @property
    def days_left(self) -> int:
        return self.period.days_left(self.today)

    @cached_property
    def projected(self) -> Decimal | None:
        """The pace projection, only while the period runs (an ended period is final)."""
        if self.state != "current":
            return None
        return projected_total(self.spent, self.period, self.today)

    @property
    def projected_status(self) -> str | None:
        projected = self.projected
        return None if projected is None else budget_status(projected, self.amount)

    def alert_message(self) -> str:
        """`Food monthly budget: 85% used, 15.00 left` or `...: over by 12.40`."""
        if self.status == "over":
            return f"{self.label}: over by {format_money(self.over_by)}"
        return f"{self.label}: {self.percent}% used, {format_money(self.remaining)} left"


def history_chart(history: Sequence[BudgetProgress]) -> Chart:
    """Spending per period as bars coloured by status (the page's table says the same)."""
    return bar_chart(
        "Spending per period, newest first",
        [
            ChartItem(
                f"{item.period.start.isoformat()} to {item.period.end.isoformat()}",
                item.spent,
                STATUS_COLORS[item.status],
            )
            for item in history
        ],
    )
