import datetime as dt
import uuid
from decimal import Decimal

import pytest

from expenses_app.budgets.periods import Period
from expenses_app.budgets.progress import (
    BudgetProgress,
    budget_status,
    percent_used,
    projected_total,
)

D = dt.date


@pytest.mark.parametrize(
    ("spent", "status"),
    [
        ("0.00", "ok"),
        ("79.99", "ok"),
        ("80.00", "warning"),
        ("99.99", "warning"),
        ("100.00", "warning"),
        ("100.01", "over"),
        ("250.00", "over"),
    ],
)
def test_status_thresholds_at_exactly_80_and_100_percent(spent, status):
    assert budget_status(Decimal(spent), Decimal("100.00")) == status


@pytest.mark.parametrize(
    ("spent", "amount", "percent"),
    [
        ("80.00", "100.00", 80),
        ("79.99", "100.00", 79),
        ("100.00", "100.00", 100),
        ("100.01", "100.00", 101),
        ("0.10", "0.30", 33),
        ("0.30", "0.30", 100),
        ("0.00", "50.00", 0),
    ],
)
def test_percent_text_never_contradicts_the_status(spent, amount, percent):
    assert percent_used(Decimal(spent), Decimal(amount)) == percent


def test_tenths_of_a_cent_never_tip_a_budget_over():
    spent = Decimal("0.10") + Decimal("0.20")
    assert budget_status(spent, Decimal("0.30")) == "warning"


def test_projection_follows_the_pace_so_far():
    november = Period(D(2026, 11, 1), D(2026, 11, 30))
    assert projected_total(Decimal("30.00"), november, D(2026, 11, 10)) == Decimal("90.00")
    assert projected_total(Decimal("10.00"), november, D(2026, 11, 30)) == Decimal("10.00")
    assert projected_total(Decimal("10.00"), november, D(2026, 10, 30)) is None


def _progress(spent: str, today: dt.date, name: str | None = "Food") -> BudgetProgress:
    return BudgetProgress(
        budget_id=uuid.uuid4(),
        category_name=name,
        category_color="#ef4444",
        period_kind="monthly",
        amount=Decimal("100.00"),
        period=Period(D(2026, 11, 1), D(2026, 11, 30)),
        spent=Decimal(spent),
        today=today,
    )


def test_alert_messages_say_which_budget_and_by_how_much():
    assert _progress("85.00", D(2026, 11, 5)).alert_message() == (
        "Food monthly budget: 85% used, 15.00 left"
    )
    assert _progress("112.40", D(2026, 11, 5), name=None).alert_message() == (
        "Overall monthly budget: over by 12.40"
    )


def test_progress_bar_value_is_capped_and_remaining_goes_negative():
    item = _progress("112.40", D(2026, 11, 5))
    assert item.progress_value == Decimal("100.00")
    assert item.remaining == Decimal("-12.40")
    assert item.over_by == Decimal("12.40")


def test_state_and_projection_depend_on_today():
    assert _progress("10.00", D(2026, 10, 1)).state == "upcoming"
    assert _progress("10.00", D(2026, 10, 1)).projected is None
    assert _progress("10.00", D(2026, 12, 1)).state == "ended"
    assert _progress("10.00", D(2026, 12, 1)).projected is None
    current = _progress("50.00", D(2026, 11, 15))
    assert current.state == "current"
    assert current.projected == Decimal("100.00")
    assert current.projected_status == "warning"
