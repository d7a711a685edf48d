"""Query shapes chosen for speed at 100,000 expenses (see bench/README.md): same answers."""

import datetime as dt
from decimal import Decimal

from expenses_app.extensions import db
from expenses_app.reports.queries import group_totals

from .conftest import count_queries
from .factories import make_expense, make_receipt, make_user

DAY = dt.date(2025, 3, 10)


def test_category_totals_are_summed_per_category_before_the_join(app, user):
    other = make_user(app, email="other@example.com", username="other")
    make_expense(app, user.id, amount="10.00", date=DAY, category="Food")
    make_expense(app, user.id, amount="2.50", date=DAY, category="Food")
    make_expense(app, user.id, amount="7.00", date=DAY, category="Transport")
    make_expense(app, user.id, amount="99.00", date=DAY, category="Transport", deleted=True)
    make_expense(app, user.id, amount="50.00", date=DAY.replace(year=2024), category="Food")
    make_expense(app, other.id, amount="1000.00", date=DAY, category="Food")
    with app.app_context(), count_queries(app) as statements:
        totals = group_totals(user.id, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "category")
    assert [(t.key, t.total, t.count) for t in totals] == [
        ("Food", Decimal("12.50"), 2),
        ("Transport", Decimal("7.00"), 1),
    ]
    assert all(isinstance(t.total, Decimal) and t.color for t in totals)
    (statement,) = statements
    # A whole year: the monthly totals alone, summed per category before the join.
    assert "FROM expenses " not in statement
    assert "GROUP BY expense_month_totals.category_id" in " ".join(statement.split())


def test_category_groups_join_only_the_users_categories(app, client, logged_in):
    """PostgreSQL guesses dozens of groups and hashed every user's categories
    without the owner condition (0.5 ms at 6,000 categories); same answers."""
    other = make_user(app, email="other@example.com", username="other")
    make_expense(app, logged_in.id, amount="3.00", date=DAY, category="Transport")
    make_expense(app, logged_in.id, amount="5.00", date=DAY, category="Food")
    make_expense(app, other.id, amount="7.00", date=DAY, category="Food")
    with app.app_context(), count_queries(app) as statements:
        totals = group_totals(logged_in.id, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "category")
    assert [(t.key, t.total) for t in totals] == [
        ("Food", Decimal("5.00")),
        ("Transport", Decimal("3.00")),
    ]
    assert "categories.user_id = " in statements[0]
    # The list sorted by category: from the monthly totals, and (with an
    # amount filter) from the expenses.
    for query in ("sort=category", "sort=category&min=4"):
        with count_queries(app) as statements:
            page = client.get(f"/expenses/?{query}").get_data(as_text=True)
        assert page.index("Food") < page.index("Transport") and "7.00" not in page
        (grouped,) = [s for s in statements if "GROUP BY" in s]
        assert "categories.user_id = " in grouped


def test_list_rows_read_the_receipt_with_a_subquery(app, client, logged_in):
    """One relation fewer for PostgreSQL to plan on every list page (0.55 -> 0.42 ms)."""
    with_receipt = make_expense(app, logged_in.id, description="Scanned", tags=("b", "a"))
    make_expense(app, logged_in.id, description="Plain", date=DAY)
    make_receipt(app, logged_in.id, with_receipt)
    with count_queries(app) as statements:
        page = client.get("/expenses/").get_data(as_text=True)
    assert page.count("Has a receipt") == 1
    assert page.index("Scanned") < page.index("Has a receipt") < page.index("Plain")
    (rows,) = [s for s in statements if "tags.name" in s]
    assert "JOIN receipts" not in rows and "FROM receipts" in rows


def test_filtered_amount_page_indexes(app):
    """Migration 0008: on PostgreSQL the amount index includes category_id and
    the (user, category) dependency is known, so one category's page in amount
    order is read from that index. SQLite keeps the (user, category, date)
    index for the filtered count: a wider amount index took it over (10x slower)."""
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            definition = connection.exec_driver_sql(
                "SELECT pg_get_indexdef('ix_expenses_live_amount'::regclass)"
            ).scalar_one()
            assert definition.endswith("INCLUDE (category_id) WHERE (deleted_at IS NULL)")
            kinds = connection.exec_driver_sql(
                "SELECT stxkind FROM pg_statistic_ext WHERE stxname = 'st_expenses_user_category'"
            ).scalar_one()
            assert kinds == ["f"]
            return
        count = (
            "SELECT count(id), sum(amount_cents) FROM expenses WHERE category_id = ?"
            " AND date >= ? AND amount_cents >= ? AND user_id = ? AND deleted_at IS NULL"
        )
        plan = [
            row[-1]
            for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {count}", ("c", "2025-01-01", 500, "u")
            )
        ]
    assert plan == [
        "SEARCH expenses USING COVERING INDEX ix_expenses_live_category"
        " (user_id=? AND category_id=? AND date>?)"
    ], plan


def test_month_totals_are_grouped_by_the_month_column(app, user):
    """The key is formatted once per month, not once per monthly-totals row; whole
    months are one part, whose groups are not summed a second time."""
    for category, day in (("Food", DAY), ("Transport", DAY), ("Food", DAY.replace(month=2))):
        make_expense(app, user.id, amount="4.00", date=day, category=category)
    with app.app_context(), count_queries(app) as statements:
        totals = group_totals(user.id, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "month")
    assert [(t.key, t.total, t.count) for t in totals] == [
        ("2025-02", Decimal("4.00"), 1),
        ("2025-03", Decimal("8.00"), 2),
    ]
    (statement,) = statements
    statement = " ".join(statement.split())
    assert "GROUP BY expense_month_totals.month HAVING" in statement
    assert statement.count("GROUP BY") == 1
