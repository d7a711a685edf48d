"""Calendar months as numbers: the arithmetic behind monthly budgets, totals and trends.

A month's index counts months from year 0 (`year * 12 + month - 1`), so
consecutive months have consecutive indexes and "n months later" is an
addition. Plain dates only: no clock and no time zone in here.
"""

from __future__ import annotations

import calendar
import datetime as dt


def month_index(day: dt.date) -> int:
    """The index of the month holding `day`: 2024-03-15 -> 2024 * 12 + 2."""
    return day.year * 12 + day.month - 1


def from_index(index: int) -> dt.date:
    """The first day of month number `index` (ValueError outside the years 1 to 9999)."""
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, 1)


# The months Python's dates can hold.
FIRST_INDEX = month_index(dt.date.min)
LAST_INDEX = month_index(dt.date.max)


def first_day(day: dt.date) -> dt.date:
    """The first day of the month holding `day`."""
    return day.replace(day=1)


def last_day(day: dt.date) -> dt.date:
    """The last day of the month holding `day` (leap years included)."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, count: int) -> dt.date:
    """`day` moved by `count` months (back when negative), clipped to the month's end.

    2024-01-31 plus one month is 2024-02-29, as a calendar would have it.
    """
    target = from_index(month_index(day) + count)
    return target.replace(day=min(day.day, last_day(target).day))


def months_back(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the `count` months up to and including today's, oldest first."""
    index = month_index(today)
    return [from_index(i) for i in range(index - count + 1, index + 1)]
