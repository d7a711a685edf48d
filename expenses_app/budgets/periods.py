"""Budget periods as plain calendar arithmetic (no database, no clock).

Weekly is the ISO week (Monday to Sunday), monthly the calendar month, yearly
the calendar year; a budget's periods are clipped to its start and end dates
(contract, budgets section). Expense dates are plain dates, so there is no
time zone in here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..months import first_day, last_day

HISTORY_LIMIT = 24
WEEK_TAIL = dt.timedelta(days=6)
PERIOD_NAMES = {"weekly": "Weekly", "monthly": "Monthly", "yearly": "Yearly"}


@dataclass(frozen=True)
class Period:
    """An inclusive range of days."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def days_elapsed(self, today: dt.date) -> int:
        """Days of the period up to and including `today` (0 before it starts)."""
        if today < self.start:
            return 0
        return min(self.days, (today - self.start).days + 1)

    def days_left(self, today: dt.date) -> int:
        """Whole days after `today` until the period ends (0 on its last day and after)."""
        if today < self.start:
            return self.days
        return max(0, (self.end - today).days)


def calendar_period(kind: str, day: dt.date) -> Period:
    """The unclipped week, month or year that contains `day`."""
    if kind == "weekly":
        monday = day - dt.timedelta(days=day.weekday())
        # The last week of year 9999 would end past the calendar's end.
        sunday = dt.date.max if dt.date.max - monday < WEEK_TAIL else monday + WEEK_TAIL
        return Period(monday, sunday)
    if kind == "monthly":
        return Period(first_day(day), last_day(day))
    if kind == "yearly":
        return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
    raise ValueError(f"unknown budget period {kind!r}")


def budget_period(
    kind: str, day: dt.date, start_date: dt.date, end_date: dt.date | None
) -> Period | None:
    """The budget's period containing `day`, clipped to its dates; None outside them."""
    if day < start_date or (end_date is not None and day > end_date):
        return None
    return _clip(calendar_period(kind, day), start_date, end_date)


def shown_period(
    kind: str, today: dt.date, start_date: dt.date, end_date: dt.date | None
) -> Period:
    """The period a budget page shows today: the current one, else the first or the last."""
    if today < start_date:
        day = start_date
    elif end_date is not None and today > end_date:
        day = end_date
    else:
        day = today
    period = budget_period(kind, day, start_date, end_date)
    assert period is not None  # `day` lies within the budget's dates by construction
    return period


def past_periods(
    kind: str,
    today: dt.date,
    start_date: dt.date,
    end_date: dt.date | None,
    limit: int = HISTORY_LIMIT,
) -> list[Period]:
    """The budget's periods from the shown one back towards its start, newest first.

    At most `limit` periods, so a ten-year-old weekly budget stays cheap.
    """
    periods: list[Period] = []
    period: Period | None = shown_period(kind, today, start_date, end_date)
    while period is not None and len(periods) < limit:
        periods.append(period)
        if period.start == dt.date.min:
            break
        previous_day = period.start - dt.timedelta(days=1)
        period = budget_period(kind, previous_day, start_date, end_date)
    return periods


def _clip(period: Period, start_date: dt.date, end_date: dt.date | None) -> Period:
    start = max(period.start, start_date)
    end = period.end if end_date is None else min(period.end, end_date)
    return Period(start, end)
