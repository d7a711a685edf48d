import datetime as dt
from decimal import Decimal

from expenses_app.budgets.alerts import budget_alerts
from expenses_app.expenses.services import ExpenseValues, create_expense
from expenses_app.extensions import db

from .conftest import count_queries
from .factories import category_id, make_budget, make_expense, make_user, personal_scope

DAY = dt.date(2026, 3, 31)


def alerts(app, user_id, day=DAY, category="Food"):
    cat = category_id(app, user_id, category)
    with app.app_context():
        return budget_alerts(personal_scope(user_id), day, cat)


def test_warning_and_over_messages_name_the_budget_and_the_amount(app, user):
    make_budget(app, user.id, amount="100.00", category="Food")
    make_budget(app, user.id, amount="90.00")
    make_expense(app, user.id, amount="85.00", category="Food", date=DAY)
    make_expense(app, user.id, amount="17.40", category="Transport", date=DAY)
    assert alerts(app, user.id) == [
        "Overall monthly budget: over by 12.40",
        "Food monthly budget: 85% used, 15.00 left",
    ]


def test_no_message_while_under_80_percent(app, user):
    make_budget(app, user.id, amount="100.00", category="Food")
    make_expense(app, user.id, amount="79.99", category="Food", date=DAY)
    assert alerts(app, user.id) == []


def test_exactly_100_percent_is_a_warning_not_over(app, user):
    make_budget(app, user.id, amount="100.00", category="Food", period="weekly")
    make_expense(app, user.id, amount="100.00", category="Food", date=DAY)
    assert alerts(app, user.id) == ["Food weekly budget: 100% used, 0.00 left"]


def test_only_budgets_covering_the_date_and_category(app, user):
    uid = user.id
    make_budget(app, uid, amount="10.00", category="Transport")
    make_budget(app, uid, amount="10.00", start_date=dt.date(2026, 4, 1))
    make_budget(app, uid, amount="10.00", end_date=dt.date(2026, 3, 30))
    make_expense(app, uid, amount="50.00", category="Food", date=DAY)
    make_expense(app, uid, amount="50.00", category="Transport", date=DAY)
    assert alerts(app, uid) == []


def test_spending_in_the_period_of_the_date_counts_not_today(app, user):
    make_budget(app, user.id, amount="100.00", category="Food", period="yearly")
    make_expense(app, user.id, amount="60.00", category="Food", date=dt.date(2025, 12, 31))
    make_expense(app, user.id, amount="30.00", category="Food", date=dt.date(2025, 1, 1))
    make_expense(app, user.id, amount="99.00", category="Food", date=dt.date(2026, 1, 1))
    assert alerts(app, user.id, day=dt.date(2025, 6, 1)) == [
        "Food yearly budget: 90% used, 10.00 left"
    ]


def test_trash_and_other_users_do_not_trigger_alerts(app, user):
    other = make_user(app, "other")
    make_budget(app, user.id, amount="100.00")
    make_expense(app, user.id, amount="90.00", date=DAY, deleted=True)
    make_expense(app, other.id, amount="90.00", date=DAY)
    assert alerts(app, user.id) == []


def test_alerts_run_two_statements_whatever_the_number_of_budgets(app, user):
    for _ in range(6):
        make_budget(app, user.id, amount="10.00", category="Food")
        make_budget(app, user.id, amount="10.00", period="weekly")
    make_expense(app, user.id, amount="50.00", category="Food", date=DAY)
    cat = category_id(app, user.id, "Food")
    with count_queries(app) as statements, app.app_context():
        messages = budget_alerts(personal_scope(user.id), DAY, cat)
    assert len(messages) == 12
    assert len(statements) == 2


def test_an_expense_saved_in_the_same_transaction_counts(app, user):
    make_budget(app, user.id, amount="50.00", category="Food")
    food = category_id(app, user.id, "Food")
    with app.app_context():
        create_expense(
            personal_scope(user.id),
            ExpenseValues(amount=Decimal("45.00"), date=DAY, category_id=food, description="Lunch"),
        )
        messages = budget_alerts(personal_scope(user.id), DAY, food)
        db.session.rollback()
    assert messages == ["Food monthly budget: 90% used, 5.00 left"]
