"""Schedules (recurring/schedule.py): properties over random rules, and the contract's month
ends and 29 February."""

from __future__ import annotations

import calendar
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from expenses_app.recurring.schedule import Schedule

starts = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))
schedules = st.builds(
    Schedule,
    frequency=st.sampled_from(["daily", "weekly", "monthly", "yearly"]),
    interval=st.integers(1, 99),
    start_date=starts,
    end_date=st.none() | starts,
)


def first(schedule: Schedule, count: int) -> list[dt.date]:
    found = []
    for date in schedule.dates(schedule.start_date):
        found.append(date)
        if len(found) == count:
            break
    return found


@settings(max_examples=300, deadline=None)
@given(schedules)
def test_occurrences_are_strictly_increasing_and_respect_interval_end_and_month_ends(schedule):
    dates = first(schedule, 40)
    if schedule.end_date is not None and schedule.end_date < schedule.start_date:
        assert dates == []
        return
    assert dates[0] == schedule.start_date
    assert all(a < b for a, b in zip(dates, dates[1:], strict=False))
    if schedule.end_date is not None:
        assert all(d <= schedule.end_date for d in dates)
    start = schedule.start_date
    for n, date in enumerate(dates):
        if schedule.frequency == "daily":
            assert (date - start).days == n * schedule.interval
        elif schedule.frequency == "weekly":
            assert (date - start).days == 7 * n * schedule.interval
            assert date.weekday() == start.weekday()
        else:
            months = n * schedule.interval * (12 if schedule.frequency == "yearly" else 1)
            year, month = divmod(start.month - 1 + months, 12)
            assert (date.year, date.month) == (start.year + year, month + 1)
            last_day = calendar.monthrange(date.year, date.month)[1]
            assert date.day == min(start.day, last_day)


@settings(max_examples=200, deadline=None)
@given(schedules, starts)
def test_dates_from_any_day_are_the_tail_of_the_whole_schedule(schedule, day):
    tail = list(_take(schedule.dates(day), 5))
    whole = [d for d in _take(schedule.dates(schedule.start_date), 5000) if d >= day][:5]
    if len(whole) == 5 or schedule.end_date is not None:
        assert tail == whole
    if tail:
        assert schedule.includes(tail[0])
        assert schedule.next_after(day - dt.timedelta(days=1)) == tail[0]


def _take(iterator, count):
    for n, item in enumerate(iterator):
        if n == count:
            return
        yield item


def test_a_monthly_rule_on_the_31st_lands_on_the_last_day_of_shorter_months():
    schedule = Schedule("monthly", 1, dt.date(2025, 1, 31))
    assert first(schedule, 5) == [
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 31),
        dt.date(2025, 4, 30),
        dt.date(2025, 5, 31),
    ]


def test_a_yearly_rule_on_29_february_lands_on_28_february_in_other_years():
    schedule = Schedule("yearly", 1, dt.date(2024, 2, 29))
    assert first(schedule, 5) == [
        dt.date(2024, 2, 29),
        dt.date(2025, 2, 28),
        dt.date(2026, 2, 28),
        dt.date(2027, 2, 28),
        dt.date(2028, 2, 29),
    ]


def test_the_end_date_is_inclusive():
    schedule = Schedule("weekly", 1, dt.date(2026, 1, 5), dt.date(2026, 1, 19))
    assert first(schedule, 10) == [dt.date(2026, 1, 5), dt.date(2026, 1, 12), dt.date(2026, 1, 19)]


def test_a_schedule_near_the_end_of_the_calendar_stops_instead_of_failing():
    schedule = Schedule("yearly", 99, dt.date(9990, 1, 1))
    assert first(schedule, 3) == [dt.date(9990, 1, 1)]


def test_schedules_in_words():
    assert Schedule("weekly", 2, dt.date(2026, 1, 5)).in_words() == "Every 2 weeks on Monday"
    assert Schedule("daily", 1, dt.date(2026, 1, 5)).in_words() == "Every day"
    assert (
        Schedule("yearly", 1, dt.date(2024, 2, 29)).in_words()
        == "Every year on 29 February (28 February in other years)"
    )
