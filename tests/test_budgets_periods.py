import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expenses_app.budgets.periods import (
    Period,
    budget_period,
    calendar_period,
    past_periods,
    shown_period,
)

D = dt.date
START = D(2000, 1, 1)


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        ("monthly", D(2026, 1, 31), D(2026, 1, 1), D(2026, 1, 31)),
        ("monthly", D(2026, 2, 1), D(2026, 2, 1), D(2026, 2, 28)),
        ("monthly", D(2024, 2, 29), D(2024, 2, 1), D(2024, 2, 29)),
        ("monthly", D(2026, 4, 30), D(2026, 4, 1), D(2026, 4, 30)),
        ("monthly", D(2026, 12, 31), D(2026, 12, 1), D(2026, 12, 31)),
        ("yearly", D(2024, 2, 29), D(2024, 1, 1), D(2024, 12, 31)),
        ("yearly", D(2026, 12, 31), D(2026, 1, 1), D(2026, 12, 31)),
        # ISO weeks run Monday to Sunday, across year boundaries too.
        ("weekly", D(2026, 11, 21), D(2026, 11, 16), D(2026, 11, 22)),
        ("weekly", D(2026, 11, 16), D(2026, 11, 16), D(2026, 11, 22)),
        ("weekly", D(2026, 11, 22), D(2026, 11, 16), D(2026, 11, 22)),
        ("weekly", D(2025, 1, 1), D(2024, 12, 30), D(2025, 1, 5)),
        ("weekly", D(2024, 12, 31), D(2024, 12, 30), D(2025, 1, 5)),
        ("weekly", D(2021, 1, 3), D(2020, 12, 28), D(2021, 1, 3)),
        ("weekly", D(2024, 2, 29), D(2024, 2, 26), D(2024, 3, 3)),
    ],
)
def test_calendar_period_contains_the_day(kind, day, start, end):
    assert calendar_period(kind, day) == Period(start, end)


def test_last_day_of_month_is_in_that_month_not_the_next():
    january = budget_period("monthly", D(2026, 1, 31), START, None)
    february = budget_period("monthly", D(2026, 2, 1), START, None)
    assert january.contains(D(2026, 1, 31))
    assert not february.contains(D(2026, 1, 31))
    assert february.start == D(2026, 2, 1)


def test_leap_year_february_has_29_days_and_other_years_28():
    assert calendar_period("monthly", D(2024, 2, 10)).days == 29
    assert calendar_period("monthly", D(2023, 2, 10)).days == 28
    assert calendar_period("monthly", D(2100, 2, 10)).days == 28
    assert calendar_period("monthly", D(2000, 2, 10)).days == 29


def test_iso_week_across_the_year_boundary_is_one_period():
    week = budget_period("weekly", D(2026, 12, 31), START, None)
    assert week == Period(D(2026, 12, 28), D(2027, 1, 3))
    assert week.contains(D(2027, 1, 3))
    assert week.days == 7


def test_budget_starting_mid_period_is_clipped_to_its_start():
    period = budget_period("monthly", D(2026, 3, 20), D(2026, 3, 15), None)
    assert period == Period(D(2026, 3, 15), D(2026, 3, 31))
    assert period.days == 17
    weekly = budget_period("weekly", D(2026, 11, 21), D(2026, 11, 19), None)
    assert weekly == Period(D(2026, 11, 19), D(2026, 11, 22))


def test_budget_ending_mid_period_is_clipped_to_its_end():
    period = budget_period("monthly", D(2026, 3, 2), D(2026, 1, 1), D(2026, 3, 10))
    assert period == Period(D(2026, 3, 1), D(2026, 3, 10))
    yearly = budget_period("yearly", D(2026, 6, 1), D(2026, 2, 1), D(2026, 6, 30))
    assert yearly == Period(D(2026, 2, 1), D(2026, 6, 30))


def test_days_outside_the_budget_have_no_period():
    assert budget_period("monthly", D(2026, 3, 14), D(2026, 3, 15), None) is None
    assert budget_period("monthly", D(2026, 3, 11), D(2026, 1, 1), D(2026, 3, 10)) is None


def test_shown_period_before_start_is_the_first_and_after_end_the_last():
    start, end = D(2026, 5, 10), D(2026, 8, 20)
    assert shown_period("monthly", D(2026, 1, 1), start, end) == Period(start, D(2026, 5, 31))
    assert shown_period("monthly", D(2027, 1, 1), start, end) == Period(D(2026, 8, 1), end)
    assert shown_period("monthly", D(2026, 6, 15), start, end) == Period(
        D(2026, 6, 1), D(2026, 6, 30)
    )


def test_past_periods_run_back_to_the_start_newest_first():
    periods = past_periods("monthly", D(2026, 3, 5), D(2025, 12, 15), None)
    assert periods == [
        Period(D(2026, 3, 1), D(2026, 3, 31)),
        Period(D(2026, 2, 1), D(2026, 2, 28)),
        Period(D(2026, 1, 1), D(2026, 1, 31)),
        Period(D(2025, 12, 15), D(2025, 12, 31)),
    ]


def test_past_periods_are_bounded():
    periods = past_periods("weekly", D(2026, 11, 21), D(2000, 1, 1), None, limit=24)
    assert len(periods) == 24
    assert periods[0] == Period(D(2026, 11, 16), D(2026, 11, 22))
    assert all(
        a.start == b.end + dt.timedelta(days=1) for a, b in zip(periods, periods[1:], strict=False)
    )


def test_past_periods_of_an_ended_budget_stop_at_its_end():
    periods = past_periods("yearly", D(2030, 1, 1), D(2024, 7, 1), D(2026, 3, 31))
    assert periods == [
        Period(D(2026, 1, 1), D(2026, 3, 31)),
        Period(D(2025, 1, 1), D(2025, 12, 31)),
        Period(D(2024, 7, 1), D(2024, 12, 31)),
    ]


def test_days_elapsed_and_left():
    november = Period(D(2026, 11, 1), D(2026, 11, 30))
    assert november.days_elapsed(D(2026, 11, 21)) == 21
    assert november.days_left(D(2026, 11, 21)) == 9
    assert november.days_left(D(2026, 11, 30)) == 0
    assert november.days_elapsed(D(2026, 10, 31)) == 0
    assert november.days_left(D(2026, 10, 31)) == 30
    assert november.days_elapsed(D(2027, 1, 1)) == 30
    assert november.days_left(D(2027, 1, 1)) == 0


def test_unknown_period_kind_is_refused():
    with pytest.raises(ValueError):
        calendar_period("daily", D(2026, 1, 1))


dates = st.dates()


@given(
    kind=st.sampled_from(["weekly", "monthly", "yearly"]),
    day=dates,
    start=dates,
    days=st.integers(0, 3000),
)
def test_any_day_inside_a_budget_lies_in_exactly_one_clipped_period(kind, day, start, days):
    end = start + dt.timedelta(days=min(days, (dt.date.max - start).days))
    period = budget_period(kind, day, start, end)
    if not start <= day <= end:
        assert period is None
        return
    assert period.contains(day)
    assert start <= period.start <= period.end <= end
    calendar = calendar_period(kind, day)
    assert calendar.start <= period.start and period.end <= calendar.end
    if kind == "weekly":
        assert calendar.start.weekday() == 0 and calendar.days == 7
    # The neighbours are other periods: the day before the start belongs elsewhere.
    before = budget_period(kind, period.start - dt.timedelta(days=1), start, end)
    assert before is None or before.end == period.start - dt.timedelta(days=1)


@given(kind=st.sampled_from(["weekly", "monthly", "yearly"]), today=dates, start=dates)
def test_history_periods_are_contiguous_and_newest_first(kind, today, start):
    periods = past_periods(kind, today, start, None, limit=30)
    assert 1 <= len(periods) <= 30
    for newer, older in zip(periods, periods[1:], strict=False):
        assert older.end + dt.timedelta(days=1) == newer.start
    assert periods[-1].start >= start


@pytest.mark.parametrize("kind", ["weekly", "monthly", "yearly"])
def test_the_ends_of_the_calendar_do_not_overflow(kind):
    last = shown_period(kind, dt.date.max, dt.date.max - dt.timedelta(days=40), None)
    assert last.end == dt.date.max
    first = past_periods(kind, D(1, 3, 1), dt.date.min, None)
    assert first[-1].start == dt.date.min
