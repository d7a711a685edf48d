"""The read package's totals: the answers and how many statements they take."""

import datetime as dt
from decimal import Decimal

from expenses_app.reads import Span, group_totals

from .conftest import count_queries
from .factories import make_expense, make_receipt, make_user, personal_scope

DAY = dt.date(2025, 3, 10)
YEAR_2025 = Span(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_category_totals_leave_out_trash_other_years_and_other_users_in_one_statement(app, user):
    other = make_user(app, email="other@example.com", username="other")
    make_expense(app, user.id, amount="10.00", date=DAY, category="Food")
    make_expense(app, user.id, amount="2.50", date=DAY, category="Food")
    make_expense(app, user.id, amount="7.00", date=DAY, category="Transport")
    make_expense(app, user.id, amount="99.00", date=DAY, category="Transport", deleted=True)
    make_expense(app, user.id, amount="50.00", date=DAY.replace(year=2024), category="Food")
    make_expense(app, other.id, amount="1000.00", date=DAY, category="Food")
    with app.app_context(), count_queries(app) as statements:
        totals = group_totals(personal_scope(user.id), YEAR_2025, "category")
    assert [(t.key, t.total, t.count) for t in totals] == [
        ("Food", Decimal("12.50"), 2),
        ("Transport", Decimal("7.00"), 1),
    ]
    assert all(isinstance(t.total, Decimal) and t.color for t in totals)
    assert len(statements) == 1


def test_month_totals_over_whole_and_partial_months_in_one_statement(app, user):
    for category, day in (("Food", DAY), ("Transport", DAY), ("Food", DAY.replace(month=2))):
        make_expense(app, user.id, amount="4.00", date=day, category=category)
    make_expense(app, user.id, amount="1.00", date=dt.date(2025, 4, 2))
    with app.app_context(), count_queries(app) as statements:
        totals = group_totals(
            personal_scope(user.id), Span(dt.date(2025, 2, 1), dt.date(2025, 4, 1)), "month"
        )
    assert [(t.key, t.total, t.count) for t in totals] == [
        ("2025-02", Decimal("4.00"), 1),
        ("2025-03", Decimal("8.00"), 2),
    ]
    assert len(statements) == 1


def test_list_sorted_by_category_groups_only_the_users_categories(app, client, logged_in):
    other = make_user(app, email="other@example.com", username="other")
    make_expense(app, logged_in.id, amount="3.00", date=DAY, category="Transport")
    make_expense(app, logged_in.id, amount="5.00", date=DAY, category="Food")
    make_expense(app, other.id, amount="7.00", date=DAY, category="Food")
    for query, shown in (
        ("sort=category", ["Food", "Transport"]),
        ("sort=category&min=4", ["Food"]),
        ("sort=category&order=desc", ["Transport", "Food"]),
    ):
        rows = client.get(f"/expenses/?{query}").get_data(as_text=True).split("<tbody>")[1]
        assert "7.00" not in rows
        found = sorted(("Food", "Transport"), key=lambda name: rows.find(name))
        assert [name for name in found if name in rows] == shown


def test_list_rows_show_tags_in_order_and_the_receipt_flag(app, client, logged_in):
    with_receipt = make_expense(app, logged_in.id, description="Scanned", tags=("b", "a"))
    make_expense(app, logged_in.id, description="Plain", date=DAY)
    make_receipt(app, logged_in.id, with_receipt)
    page = client.get("/expenses/").get_data(as_text=True)
    assert page.count("Has a receipt") == 1
    assert page.index("Scanned") < page.index("Has a receipt") < page.index("Plain")
