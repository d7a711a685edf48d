"""Rules the database itself enforces, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import Column, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from expenses_app.extensions import db
from expenses_app.models import (
    Budget,
    Category,
    Expense,
    Ledger,
    Receipt,
    User,
    expense_tags,
    utcnow,
)

from .conftest import login
from .factories import (
    category_id,
    make_budget,
    make_committed_import,
    make_expense,
    make_import_profile,
    make_rule_with_skip,
    make_user,
)
from .url_map import make_invite


def expense_row(user_id: uuid.UUID, category: uuid.UUID, **changes) -> dict:
    now = utcnow()
    row = {
        "id": uuid.uuid4(),
        "ledger_id": user_id,
        "user_id": user_id,
        "category_id": category,
        "amount_cents": Decimal("1.00"),
        "date": dt.date(2026, 1, 1),
        "description": "x",
        "payment_method": "cash",
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    return {**row, **changes}


def budget_row(user_id: uuid.UUID, **changes) -> dict:
    now = utcnow()
    row = {
        "id": uuid.uuid4(),
        "ledger_id": user_id,
        "amount_cents": Decimal("100.00"),
        "period": "monthly",
        "start_date": dt.date(2026, 1, 1),
        "end_date": None,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    return {**row, **changes}


def category_row(user_id: uuid.UUID, name: str) -> dict:
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "ledger_id": user_id,
        "name": name,
        "name_key": name.casefold(),
        "color": "#123456",
        "is_default": False,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def assert_refused(app: Flask, statement, rows=None) -> None:
    with (
        app.app_context(),
        db.engine.connect() as connection,
        pytest.raises(IntegrityError),
        connection.begin(),
    ):
        connection.execute(statement, rows)


@pytest.mark.parametrize(
    "changes",
    [
        {"amount_cents": Decimal("0")},
        {"amount_cents": Decimal("-5.00")},
        {"amount_cents": Decimal("10000000000.00")},
        {"payment_method": "bitcoin"},
        {"category_id": uuid.uuid4()},
    ],
    ids=["zero", "negative", "too-large", "payment-method", "unknown-category"],
)
def test_database_refuses_a_bad_expense(app, user, changes):
    food = category_id(app, user.id, "Food")
    assert_refused(app, insert(Expense.__table__), [expense_row(user.id, food, **changes)])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Expense)) == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"period": "daily"},
        {"end_date": dt.date(2025, 12, 31)},
        {"amount_cents": Decimal("0")},
    ],
    ids=["period", "end-before-start", "zero-amount"],
)
def test_database_refuses_a_bad_budget(app, user, changes):
    assert_refused(app, insert(Budget.__table__), [budget_row(user.id, **changes)])


def test_category_names_are_unique_per_user_ignoring_case(app, user):
    other = make_user(app)

    assert_refused(app, insert(Category.__table__), [category_row(user.id, "FOOD")])
    with app.app_context():
        db.session.execute(insert(Category.__table__), [category_row(other.id, "Groceries")])
        db.session.execute(insert(Category.__table__), [category_row(user.id, "Groceries")])
        db.session.commit()


def test_emails_and_usernames_are_unique(app, user):
    with app.app_context():
        row = {c: getattr(db.session.get(User, user.id), c) for c in ("email", "username_key")}
    for column, value in row.items():
        now = utcnow()
        clone = {
            "id": uuid.uuid4(),
            "email": f"other-{uuid.uuid4().hex}@example.com",
            "username": uuid.uuid4().hex[:20],
            "username_key": uuid.uuid4().hex[:20],
            "password_hash": "x",
            "is_active": True,
            "is_verified": False,
            "created_at": now,
            "updated_at": now,
            column: value,
        }
        assert_refused(app, insert(User.__table__), [clone])


def test_a_category_in_use_cannot_be_deleted(app, user):
    make_expense(app, user.id, category="Food")
    food = category_id(app, user.id, "Food")

    assert_refused(app, delete(Category.__table__).where(Category.__table__.c.id == food))
    with app.app_context():
        assert db.session.get(Category, food) is not None


def test_deleting_a_category_deletes_its_budgets(app, user):
    make_budget(app, user.id, category="Health")
    make_budget(app, user.id)

    with app.app_context():
        health = category_id(app, user.id, "Health")
        db.session.execute(delete(Category.__table__).where(Category.__table__.c.id == health))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Budget)) == 1


def ledger_columns() -> dict[str, Column]:
    """Each table's column that points at `ledgers` (whatever a later table calls it)."""
    return {
        f"{fk.parent.table.name}.{fk.parent.name}": fk.parent
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "ledgers"
    }


def everything_of(app: Flask, ledger_id: uuid.UUID) -> dict[str, int]:
    with app.app_context():
        counts = {
            name: db.session.scalar(select(func.count()).where(column == ledger_id))
            for name, column in ledger_columns().items()
            # Sessions and users only name a ledger as their current or last one.
            if not name.startswith(("user_sessions.", "users."))
        }
        counts["expense_tags"] = db.session.scalar(
            select(func.count())
            .select_from(expense_tags.join(Expense.__table__))
            .where(Expense.__table__.c.ledger_id == ledger_id)
        )
        counts["ledgers"] = 1 if db.session.get(Ledger, ledger_id) else 0
        return counts


def give_everything(app: Flask, user_id: uuid.UUID) -> None:
    expense_id = make_expense(app, user_id, tags=("work", "home"))
    make_expense(app, user_id, deleted=True, tags=("work",))
    make_budget(app, user_id, category="Food")
    make_invite(app, user_id)
    make_rule_with_skip(app, user_id)  # issue 14
    with app.app_context():
        db.session.add(
            Receipt(
                ledger_id=user_id,
                expense_id=expense_id,
                filename="r.png",
                content_type="image/png",
                size=3,
                sha256=hashlib.sha256(b"png").hexdigest(),
                data=b"png",
            )
        )
        db.session.commit()
    # Issue 13: a committed statement import (batch, lines, remembered category), a profile.
    make_committed_import(app, user_id)
    make_import_profile(app, user_id)


def test_deleting_a_ledger_removes_everything_in_it_and_nothing_else(app):
    alice, bob = make_user(app), make_user(app)
    for user in (alice, bob):
        give_everything(app, user.id)
        # A real login writes whatever the login machinery keeps per user.
        login(app.test_client(), user)
    bobs_before = everything_of(app, bob.id)
    assert all(count > 0 for count in everything_of(app, alice.id).values())
    tables = {name.split(".")[0] for name in ledger_columns()}
    assert tables >= {"categories", "expenses", "tags", "receipts", "budgets", "ledger_members"}

    with app.app_context():
        db.session.execute(delete(Ledger.__table__).where(Ledger.__table__.c.id == alice.id))
        db.session.commit()

    assert set(everything_of(app, alice.id).values()) == {0}
    assert everything_of(app, bob.id) == bobs_before


def test_an_expense_cannot_move_to_a_missing_category(app, user):
    expense_id = make_expense(app, user.id)

    assert_refused(
        app,
        update(Expense.__table__)
        .where(Expense.__table__.c.id == expense_id)
        .values(category_id=uuid.uuid4()),
    )
