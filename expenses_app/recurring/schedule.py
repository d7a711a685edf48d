"""When a rule's occurrences fall: the contract's schedules, computed with dateutil.

The n-th occurrence is computed from the start date, never from the one
before: `relativedelta` clamps a day past a month's end to its last day
(31 January + 1 month = 28 or 29 February) and 29 February + 1 year to
28 February, and counting from the start brings a rule that starts on the
31st back to the 31st in March. Plain `rrule` would skip the short months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from ..months import month_index

UNITS = {"daily": "days", "weekly": "weeks", "monthly": "months", "yearly": "years"}
# Months in a unit, to find the index of a date without stepping through the years.
MONTHS_IN = {"monthly": 1, "yearly": 12}
DAYS_IN = {"daily": 1, "weekly": 7}


@dataclass(frozen=True, slots=True)
class Schedule:
    frequency: str
    interval: int
    start_date: dt.date
    end_date: dt.date | None = None

    def nth(self, n: int) -> dt.date | None:
        """The date of occurrence `n` (0 is the start), or None past the end (or the calendar)."""
        try:
            date = self.start_date + relativedelta(**{UNITS[self.frequency]: n * self.interval})
        except (OverflowError, ValueError):
            return None
        if self.end_date is not None and date > self.end_date:
            return None
        return date

    def index_from(self, first: dt.date) -> int:
        """The index of the first occurrence on or after `first` (its date may be past the end)."""
        if first <= self.start_date:
            return 0
        if self.frequency in DAYS_IN:
            step = DAYS_IN[self.frequency] * self.interval
            return -(-(first - self.start_date).days // step)
        months = month_index(first) - month_index(self.start_date)
        n = max(0, months // (MONTHS_IN[self.frequency] * self.interval) - 1)
        while (date := self.nth(n)) is not None and date < first:
            n += 1
        return n

    def dates(self, first: dt.date, until: dt.date | None = None) -> Iterator[dt.date]:
        """The occurrences on or after `first` (and on or before `until`), in order."""
        n = self.index_from(first)
        while (date := self.nth(n)) is not None and (until is None or date <= until):
            yield date
            n += 1

    def next_after(self, date: dt.date) -> dt.date | None:
        """The first occurrence after `date`, or None when the schedule has ended."""
        return next(self.dates(date + dt.timedelta(days=1)), None)

    def includes(self, date: dt.date) -> bool:
        return next(self.dates(date), None) == date

    def in_words(self) -> str:
        """ "Every 2 weeks on Monday", "Every month on day 31 (the last day of shorter months)"."""
        unit = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year"}[
            self.frequency
        ]
        every = f"Every {unit}" if self.interval == 1 else f"Every {self.interval} {unit}s"
        start = self.start_date
        if self.frequency == "weekly":
            every += f" on {start:%A}"
        elif self.frequency == "monthly":
            every += f" on day {start.day}"
            if start.day > 28:
                every += " (the last day of shorter months)"
        elif self.frequency == "yearly":
            every += f" on {start.day} {start:%B}"
            if (start.month, start.day) == (2, 29):
                every += " (28 February in other years)"
        return every
