"""Month arithmetic (expenses_app/months.py): examples, then properties over every date."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from expenses_app.months import (
    FIRST_INDEX,
    LAST_INDEX,
    add_months,
    first_day,
    from_index,
    last_day,
    month_index,
    months_back,
)

days = st.dates()
indexes = st.integers(FIRST_INDEX, LAST_INDEX)


@pytest.mark.parametrize(
    ("day", "last"),
    [
        (dt.date(2024, 2, 10), dt.date(2024, 2, 29)),
        (dt.date(2023, 2, 1), dt.date(2023, 2, 28)),
        (dt.date(1900, 2, 28), dt.date(1900, 2, 28)),
        (dt.date(2000, 2, 1), dt.date(2000, 2, 29)),
        (dt.date(2024, 12, 31), dt.date(2024, 12, 31)),
        (dt.date(9999, 12, 1), dt.date(9999, 12, 31)),
    ],
)
def test_last_day_of_the_month(day, last):
    assert last_day(day) == last


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2023, 1, 31), 1, dt.date(2023, 2, 28)),
        (dt.date(2024, 3, 31), -1, dt.date(2024, 2, 29)),
        (dt.date(2024, 11, 15), 2, dt.date(2025, 1, 15)),
        (dt.date(2024, 1, 15), -13, dt.date(2022, 12, 15)),
        (dt.date(2024, 5, 31), 0, dt.date(2024, 5, 31)),
    ],
)
def test_add_months_clips_to_the_end_of_a_shorter_month(day, count, expected):
    assert add_months(day, count) == expected


def test_months_back_counts_this_month_and_crosses_years():
    assert months_back(dt.date(2024, 2, 29), 3) == [
        dt.date(2023, 12, 1),
        dt.date(2024, 1, 1),
        dt.date(2024, 2, 1),
    ]
    assert months_back(dt.date(2024, 2, 29), 0) == []


def test_the_index_range_is_the_dates_python_holds():
    assert from_index(FIRST_INDEX) == dt.date.min
    assert last_day(from_index(LAST_INDEX)) == dt.date.max
    with pytest.raises(ValueError):
        from_index(FIRST_INDEX - 1)
    with pytest.raises(ValueError):
        from_index(LAST_INDEX + 1)


@given(days)
def test_a_day_lies_in_its_month_between_first_and_last_day(day):
    first, last = first_day(day), last_day(day)
    assert first.day == 1 and first <= day <= last
    assert month_index(first) == month_index(day) == month_index(last)
    assert last.day == calendar.monthrange(day.year, day.month)[1]
    if last < dt.date.max:
        assert month_index(last + dt.timedelta(days=1)) == month_index(day) + 1


@given(indexes)
def test_index_and_first_day_round_trip(index):
    assert month_index(from_index(index)) == index
    assert from_index(month_index(from_index(index))) == from_index(index)


@given(days, st.integers(-240, 240))
def test_add_months_moves_the_index_and_keeps_the_day_when_it_can(day, count):
    assume(FIRST_INDEX <= month_index(day) + count <= LAST_INDEX)
    moved = add_months(day, count)
    assert month_index(moved) == month_index(day) + count
    assert moved.day == min(day.day, last_day(moved).day)
    if day.day <= 28:
        assert add_months(moved, -count) == day


@given(days, st.integers(0, 36))
def test_months_back_are_consecutive_first_days_ending_today(day, count):
    assume(month_index(day) - count + 1 >= FIRST_INDEX)
    found = months_back(day, count)
    assert len(found) == count
    assert all(month.day == 1 for month in found)
    assert [month_index(month) for month in found] == list(
        range(month_index(day) - count + 1, month_index(day) + 1)
    )
