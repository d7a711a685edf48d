"""Money stays exact from the form to every place it shows up (RELIABILITY F2).

Hypothesis picks amounts anywhere in the contract's range; they go in through
the real form, come back through the detail page, the list total, the CSV
export and the report, then one is edited: every figure equals Python's
Decimal arithmetic, digit for digit.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expenses_app.money import format_money

from .conftest import login, post_form
from .factories import category_id, make_user

AMOUNTS = st.decimals(
    min_value=Decimal("0.01"),
    max_value=Decimal("9999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
DAY = "2026-02-14"
YEAR = "start=2026-01-01&end=2026-12-31"


def fields(food, amount: Decimal, description: str) -> dict[str, str]:
    return {
        "amount": str(amount),
        "date": DAY,
        "category_id": str(food),
        "description": description,
        "payment_method": "cash",
        "tags": "",
        "notes": "",
    }


def csv_rows(client, url: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(client.get(url).get_data(as_text=True))))


def check_everywhere(client, amounts: list[Decimal]) -> None:
    total = sum(amounts, Decimal("0.00"))
    exported = csv_rows(client, "/expenses/export.csv")
    assert sorted(row["amount"] for row in exported) == sorted(f"{a:.2f}" for a in amounts)
    report = csv_rows(client, f"/reports/export.csv?{YEAR}&group=category")
    assert [row["total"] for row in report] == [f"{total:.2f}"]
    assert format_money(total) in client.get("/expenses/").get_data(as_text=True)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(amounts=st.lists(AMOUNTS, min_size=1, max_size=4), replacement=AMOUNTS)
def test_amounts_stay_exact_through_create_read_edit_totals_and_csv(app, amounts, replacement):
    user = make_user(app)
    food = category_id(app, user.id, "Food")
    client = app.test_client()
    login(client, user)
    locations = []
    for n, amount in enumerate(amounts):
        response = post_form(client, "/expenses/new", fields(food, amount, f"Item {n}"))
        assert response.status_code == 302
        locations.append(response.headers["Location"])
        assert format_money(amount) in client.get(locations[-1]).get_data(as_text=True)
    check_everywhere(client, amounts)

    edit = locations[0] + "/edit"
    response = post_form(client, edit, fields(food, replacement, "Item 0") | {"version": "1"})
    assert response.status_code == 302
    check_everywhere(client, [replacement, *amounts[1:]])
