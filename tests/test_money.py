"""Money is exact in the database: whole cents behind a Decimal attribute."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import BigInteger, func, insert, inspect, literal, select
from sqlalchemy.exc import StatementError

from expenses_app.extensions import db
from expenses_app.models import MAX_AMOUNT, Budget, Expense, Money, utcnow

from .factories import category_id, make_expense


def expense_rows(user_id: uuid.UUID, category: uuid.UUID, amounts: list[Decimal]) -> list[dict]:
    now = utcnow()
    return [
        {
            "id": uuid.uuid4(),
            "ledger_id": user_id,
            "user_id": user_id,
            "category_id": category,
            "amount_cents": amount,
            "date": dt.date(2026, 1, 1),
            "description": "x",
            "payment_method": "cash",
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for amount in amounts
    ]


def test_a_thousand_random_amounts_sum_exactly_in_sql(app, user):
    rng = random.Random(20261121)
    amounts = [Decimal(rng.randint(1, 99_999_999)).scaleb(-2) for _ in range(1000)]
    food = category_id(app, user.id, "Food")
    with app.app_context():
        db.session.execute(insert(Expense.__table__), expense_rows(user.id, food, amounts))
        db.session.commit()

        total = db.session.scalar(select(func.sum(Expense.amount)))
        sql_max = db.session.scalar(select(func.max(Expense.amount)))

    assert isinstance(total, Decimal)
    assert total == sum(amounts)
    assert str(total) == str(sum(amounts))
    assert sql_max == max(amounts)


def test_ten_cents_plus_twenty_cents_equals_thirty_cents_in_sql(app, user):
    make_expense(app, user.id, amount="0.10")
    make_expense(app, user.id, amount="0.20")

    with app.app_context():
        total = func.sum(Expense.amount)
        thirty_cents = literal(Decimal("0.30"), Money())
        is_equal, is_over = db.session.execute(
            select(total == thirty_cents, total > thirty_cents)
        ).one()
        assert db.session.scalar(select(total)) == Decimal("0.30")

    assert is_equal and not is_over


def test_the_largest_amount_round_trips(app, user):
    expense_id = make_expense(app, user.id, amount=MAX_AMOUNT)

    with app.app_context():
        assert db.session.get(Expense, expense_id).amount == Decimal("9999999999.99")


def test_money_columns_are_whole_cents_in_the_database(app):
    with app.app_context():
        inspector = inspect(db.engine)
        for table in ("expenses", "budgets"):
            columns = {c["name"]: c["type"] for c in inspector.get_columns(table)}
            assert isinstance(columns["amount_cents"], BigInteger)
    assert isinstance(Budget.__table__.c.amount_cents.type, Money)


@pytest.mark.parametrize(
    ("amount", "message"),
    [(0.1, "never a float"), (Decimal("1.005"), "more than two decimal places")],
)
def test_money_type_refuses_floats_and_a_third_decimal(app, user, amount, message):
    food = category_id(app, user.id, "Food")
    with app.app_context():
        db.session.add(
            Expense(
                ledger_id=user.id,
                user_id=user.id,
                category_id=food,
                amount=amount,
                date=dt.date(2026, 1, 1),
                description="x",
            )
        )
        with pytest.raises(StatementError, match=message):
            db.session.flush()
        db.session.rollback()
