"""Text search follows every change, uses its index, and migration 0003 goes up and down."""

from __future__ import annotations

import html
import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text, update

from expenses_app.expenses.filters import SQLITE_SEARCH_INDEX, ExpenseFilters
from expenses_app.extensions import db
from expenses_app.models import Expense
from expenses_app.scoping import owned

from .conftest import build_app
from .factories import make_expense

DESCRIPTION_CELL = re.compile(r'<td data-label="Description">\s*<a href="[^"]+">([^<]*)</a>')


def found(client, query: str) -> list[str]:
    response = client.get(f"/expenses/?q={query}")
    assert response.status_code == 200
    return [html.unescape(d) for d in DESCRIPTION_CELL.findall(response.get_data(as_text=True))]


def test_search_follows_inserts_updates_and_deletes(app, client, logged_in):
    expense_id = make_expense(app, logged_in.id, description="Bakery", notes="croissants")
    make_expense(app, logged_in.id, description="Hardware store")
    assert found(client, "croiss") == ["Bakery"]
    with app.app_context():
        db.session.execute(update(Expense).where(Expense.id == expense_id).values(notes="baguette"))
        db.session.commit()
    assert found(client, "croiss") == []
    assert found(client, "BAGUET") == ["Bakery"]
    with app.app_context():
        db.session.execute(Expense.__table__.delete().where(Expense.__table__.c.id == expense_id))
        db.session.commit()
    assert found(client, "baguet") == []
    assert found(client, "ware st") == ["Hardware store"]


def test_search_treats_quotes_and_wildcards_literally(app, client, logged_in):
    make_expense(app, logged_in.id, description='The "best" 100% pizza_place')
    make_expense(app, logged_in.id, description="Other")
    assert found(client, '"best"') == ['The "best" 100% pizza_place']
    assert found(client, "100%25 pizza") == ['The "best" 100% pizza_place']
    assert found(client, "a_p") == ['The "best" 100% pizza_place']
    assert found(client, "0%25") == ['The "best" 100% pizza_place']
    assert found(client, "%25%25") == []
    assert found(client, "a%25p") == []


def test_search_index_exists(app):
    with app.app_context():
        indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("expenses")}
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        assert SQLITE_SEARCH_INDEX in indexes
    else:
        assert {"ix_expenses_description_trgm", "ix_expenses_notes_trgm"} <= indexes


def test_sqlite_search_reads_the_covering_search_index(app, logged_in):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's search index; PostgreSQL uses pg_trgm")
        for sort in ("date", "amount", "description"):
            filters = ExpenseFilters.from_args({"q": "coffee", "sort": sort})
            stmt = filters.apply(owned(Expense, user_id=logged_in.id), logged_in.id)
            stmt = stmt.with_only_columns(Expense.id).order_by(*filters.ordering()).limit(20)
            sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
            plan = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            assert any(f"COVERING INDEX {SQLITE_SEARCH_INDEX}" in row[-1] for row in plan), plan


def test_migration_0003_downgrades_and_upgrades_with_data(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    with app.app_context():
        upgrade(revision="0001")
        db.session.execute(
            text(
                "INSERT INTO users (id, email, username, username_key, password_hash, is_active,"
                " is_verified, session_version, created_at, updated_at) VALUES ('u1', 'a@b.c',"
                " 'a', 'a', 'x', 1, 0, 1, '2026-01-01', '2026-01-01')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO categories (id, user_id, name, name_key, color, is_default, version,"
                " created_at, updated_at) VALUES ('c1', 'u1', 'Food', 'food', '#000000', 0, 1,"
                " '2026-01-01', '2026-01-01')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO expenses (id, user_id, category_id, amount_cents, date, description,"
                " payment_method, version, created_at, updated_at) VALUES ('e1', 'u1', 'c1', 100,"
                " '2026-01-01', 'Existing bagel', 'cash', 1, '2026-01-01', '2026-01-01')"
            )
        )
        db.session.commit()
        upgrade()
        indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("expenses")}
        assert SQLITE_SEARCH_INDEX in indexes and "ix_expenses_live_date" in indexes
        downgrade(revision="0001")
        indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("expenses")}
        assert SQLITE_SEARCH_INDEX not in indexes
        assert not any(name.startswith("ix_expenses_live") for name in indexes)
        upgrade()
        assert db.session.execute(text("SELECT count(*) FROM expenses")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
