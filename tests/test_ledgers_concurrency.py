"""Two members of one ledger at once, under `gunicorn -w 2`: a stale save is a 409, and a
change by one is on the other's next page, whichever worker serves it (its page cache
included)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from expenses_app.extensions import db
from expenses_app.models import Expense

from .factories import add_member, category_id, make_expense, make_user
from .live_server import LiveServer
from .test_reliability_concurrency import (
    assert_clean_log,
    database_url,
    expense_fields,
    logged_in_browser,
)

pytestmark = pytest.mark.slow


def test_two_members_editing_one_expense_and_seeing_each_others_changes(app, tmp_path):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")
    food = category_id(app, alice.id, "Food")
    expense_id = make_expense(app, alice.id, description="Shared", amount="10.00")

    with LiveServer(database_url(app), tmp_path / "gunicorn.log", workers=2) as server:
        first, second = logged_in_browser(server, "alice"), logged_in_browser(server, "bob")
        assert second.post(f"/ledgers/{alice.id}/switch", {})[0] == 302
        # Every worker caches the list for both of them before the change.
        for _ in range(4):
            assert "Shared" in first.request("/expenses/")[1]
            assert "Shared" in second.request("/expenses/")[1]
        saves = [
            first.post(
                f"/expenses/{expense_id}/edit",
                expense_fields(food, "Alice's", "11.00") | {"version": "1"},
            ),
            second.post(
                f"/expenses/{expense_id}/edit",
                expense_fields(food, "Bob's", "12.00") | {"version": "1"},
            ),
        ]
        added = second.post("/expenses/new", expense_fields(food, "Added by Bob", "3.00"))
        seen_by_alice = [first.request("/expenses/")[1] for _ in range(4)]

    assert [status for status, _ in saves] == [302, 409]
    assert "changed elsewhere" in saves[1][1]
    assert added[0] == 302
    for page in seen_by_alice:
        assert "Alice&#39;s" in page or "Alice's" in page
        assert "Added by Bob" in page and "14.00" in page
    assert_clean_log(server)
    with app.app_context():
        expense = db.session.get(Expense, expense_id)
        assert (expense.description, expense.amount, expense.version) == (
            "Alice's",
            Decimal("11.00"),
            2,
        )
