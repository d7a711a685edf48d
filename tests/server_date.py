"""The server's date, fixed and movable in a test: the `today` fixture (a pytest plugin that
conftest.py loads), for the recurring expenses, whose posting follows `clock.today()`."""

from __future__ import annotations

import datetime as dt

import pytest

TODAY = dt.date(2026, 5, 15)


class ServerDate:
    """What `clock.today()` answers while the fixture is active; `set` moves it."""

    def __init__(self, value: dt.date):
        self.value = value

    def set(self, date: dt.date) -> None:
        self.value = date


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> ServerDate:
    """The server's date, TODAY until the test moves it: `today.set(date)`."""
    holder = ServerDate(TODAY)
    monkeypatch.setattr("expenses_app.clock.today", lambda: holder.value)
    return holder
