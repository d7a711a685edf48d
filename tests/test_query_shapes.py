"""Query shapes chosen for speed at 100,000 expenses (see bench/README.md): same answers."""

import datetime as dt
from decimal import Decimal

from expenses_app.reports.queries import group_totals

from .conftest import count_queries
from .factories import make_expense, make_user

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
