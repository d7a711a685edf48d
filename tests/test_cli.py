"""`flask seed-categories` and `flask demo-data`."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, select

from expenses_app.auth.passwords import verify_password
from expenses_app.auth.services import find_user_by_login
from expenses_app.categories.services import DEFAULT_CATEGORIES
from expenses_app.extensions import db
from expenses_app.models import PAYMENT_METHODS, Category, Expense, Tag, User, expense_tags

from .factories import make_category, make_user


def categories_of(app, user_id) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(select(Category.name).where(Category.ledger_id == user_id))
        )


def test_seed_categories_twice_adds_nothing_the_second_time(app, runner):
    alice = make_user(app, with_defaults=False)
    bob = make_user(app, with_defaults=False)
    make_category(app, bob.id, "food")

    first = runner.invoke(args=["seed-categories"])
    second = runner.invoke(args=["seed-categories"])

    assert first.exit_code == 0 and second.exit_code == 0
    assert f"{alice.username} / Personal: added Food, Transport" in first.output
    assert "Added 11 categories for 2 ledgers." in first.output
    assert second.output.strip() == "Nothing to add."
    assert len(categories_of(app, alice.id)) == len(DEFAULT_CATEGORIES)
    assert categories_of(app, bob.id).count("food") == 1
    assert "Food" not in categories_of(app, bob.id)


def test_seed_categories_for_one_user(app, runner):
    alice = make_user(app, with_defaults=False)
    bob = make_user(app, with_defaults=False)

    result = runner.invoke(args=["seed-categories", "--user", alice.email.upper()])

    assert result.exit_code == 0, result.output
    assert len(categories_of(app, alice.id)) == len(DEFAULT_CATEGORIES)
    assert categories_of(app, bob.id) == []


def test_seed_categories_for_an_unknown_user_fails_cleanly(app, runner):
    result = runner.invoke(args=["seed-categories", "--user", "nobody"])

    assert result.exit_code == 1
    assert result.output == "Error: no user with email or username 'nobody'\n"


def demo_rows(app, user_id) -> list[tuple]:
    with app.app_context():
        return list(
            db.session.execute(
                select(Expense.amount, Expense.date, Expense.description, Expense.payment_method)
                .where(Expense.user_id == user_id)
                .order_by(Expense.created_at, Expense.amount, Expense.description)
            )
        )


def test_demo_data_gives_the_user_realistic_valid_expenses(app, runner):
    alice = make_user(app, with_defaults=False)
    bob = make_user(app)
    make_category(app, alice.id, "Garden")

    result = runner.invoke(args=["demo-data", "--user", alice.username, "--expenses", "600"])

    assert result.exit_code == 0, result.output
    assert "Added 600 expenses" in result.output
    with app.app_context():
        expenses = db.session.scalars(select(Expense).where(Expense.user_id == alice.id)).all()
        own_categories = set(
            db.session.scalars(select(Category.id).where(Category.ledger_id == alice.id))
        )
        own_tags = set(db.session.scalars(select(Tag.id).where(Tag.ledger_id == alice.id)))
        linked_tags = set(db.session.scalars(select(expense_tags.c.tag_id)))
        bob_expenses = db.session.scalar(select(func.count()).where(Expense.user_id == bob.id))
    assert len(expenses) == 600
    assert len(own_categories) == len(DEFAULT_CATEGORIES) + 1
    assert {e.category_id for e in expenses} == own_categories
    assert linked_tags and linked_tags <= own_tags
    assert {e.payment_method for e in expenses} <= set(PAYMENT_METHODS)
    assert len({e.payment_method for e in expenses}) >= 4
    two_years_ago = dt.date.today() - dt.timedelta(days=731)
    assert all(two_years_ago <= e.date <= dt.date.today() for e in expenses)
    assert max(e.date for e in expenses) - min(e.date for e in expenses) > dt.timedelta(days=600)
    assert len({e.description for e in expenses}) > 20
    assert any(e.notes for e in expenses)
    assert all(e.amount > 0 and e.deleted_at is None for e in expenses)
    assert bob_expenses == 0


def test_demo_data_with_the_same_seed_is_the_same(app, runner):
    alice, bob = make_user(app), make_user(app)
    for user in (alice, bob):
        result = runner.invoke(
            args=["demo-data", "--user", user.username, "--expenses", "50", "--seed", "7"]
        )
        assert result.exit_code == 0, result.output

    assert demo_rows(app, alice.id) == demo_rows(app, bob.id)


def test_demo_data_for_an_unknown_user_fails_cleanly_and_adds_nothing(app, runner, user):
    result = runner.invoke(
        args=["demo-data", "--user", user.username, "--user", "ghost", "--expenses", "5"]
    )

    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: no user with email or username 'ghost' (add --create-user to create it)"
    ]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Expense)) == 0


def test_demo_data_can_create_several_users_for_benchmarks(app, runner):
    result = runner.invoke(
        args=[
            "demo-data",
            "--user",
            "bench1",
            "--user",
            "bench2",
            "--create-user",
            "--expenses",
            "10",
        ],
        env={"DEMO_PASSWORD": "bench password 123"},
    )

    assert result.exit_code == 0, result.output
    with app.app_context():
        for login in ("bench1", "bench2"):
            user = find_user_by_login(login)
            assert user is not None and user.email == f"{login}@example.com"
            assert verify_password(user.password_hash, "bench password 123")
            count = select(func.count()).where(Expense.user_id == user.id)
            assert db.session.scalar(count) == 10


def test_demo_data_create_user_needs_a_password(app, runner, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    result = runner.invoke(args=["demo-data", "--user", "bench1", "--create-user"])

    assert result.exit_code == 1
    assert "--password" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.slow
def test_demo_data_adds_100000_expenses_well_under_30_seconds_on_sqlite(app, runner, user):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the speed target is for SQLite")
    # CPU time, not wall time: CI shares two cores with other jobs.
    started = time.process_time()

    result = runner.invoke(args=["demo-data", "--user", user.username, "--expenses", "100000"])

    assert result.exit_code == 0, result.output
    assert time.process_time() - started < 30
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Expense)) == 100_000


def test_seed_categories_for_one_user_covers_the_ledgers_they_own_only(app, runner):
    from .factories import add_member

    alice = make_user(app, with_defaults=False)
    bob = make_user(app, with_defaults=False)
    add_member(app, bob.id, alice.id, "member")  # Alice is in Bob's ledger, not its owner

    result = runner.invoke(args=["seed-categories", "--user", alice.username])

    assert result.exit_code == 0, result.output
    assert len(categories_of(app, alice.id)) == len(DEFAULT_CATEGORIES)
    assert categories_of(app, bob.id) == []
