"""Migration 0009 on a database filled by the previous schema (0008): every user gets a
personal ledger, every row moves into it with its id, and everything derived is in step;
on SQLite and PostgreSQL, and back down and up again."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, func, insert, select, text

from expenses_app.auth.passwords import hash_password
from expenses_app.derived import STRUCTURES, check_all
from expenses_app.extensions import db
from expenses_app.models import (
    Budget,
    Category,
    Expense,
    ExpenseMonthTotal,
    Ledger,
    LedgerMember,
    Receipt,
    Tag,
    User,
    UserSession,
)

from .conftest import login
from .factories import DEFAULT_PASSWORD, UserInfo

NOW = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
OWNED = {"categories": Category, "tags": Tag, "budgets": Budget, "receipts": Receipt}


def fill_old_schema(connection) -> dict[str, dict[str, list[uuid.UUID]]]:
    """Two users' rows written through the 0008 tables as reflected: the ids by table."""
    tables = MetaData()
    tables.reflect(bind=connection)
    sqlite = connection.dialect.name == "sqlite"

    def key(value: uuid.UUID):
        return value.hex if sqlite else value

    def add(table: str, **values) -> uuid.UUID:
        row_id = uuid.uuid4()
        values = {name: key(v) if isinstance(v, uuid.UUID) else v for name, v in values.items()}
        connection.execute(insert(tables.tables[table]).values(id=key(row_id), **values))
        return row_id

    stamps = {"created_at": NOW, "updated_at": NOW}
    ids: dict[str, dict[str, list[uuid.UUID]]] = {}
    for name in ("alice", "bob"):
        user = add(
            "users", email=f"{name}@example.com", username=name, username_key=name,
            password_hash=hash_password(DEFAULT_PASSWORD), is_active=True, is_verified=False,
            **stamps,
        )  # fmt: skip
        mine = ids[name] = {"users": [user]}
        # Both have a "Food": unique per user then, per ledger now.
        food, health = (
            add(
                "categories",
                user_id=user,
                name=label,
                name_key=label.lower(),
                color="#123456",
                is_default=False,
                version=1,
                **stamps,
            )  # fmt: skip
            for label in ("Food", "Health")
        )
        tag = add("tags", user_id=user, name="work", name_key="work")
        expenses = []
        for day, cents, category, deleted in (
            (dt.date(2025, 12, 30), 1250, food, None),
            (dt.date(2026, 1, 2), 999, health, None),
            (dt.date(2026, 1, 3), 500, food, NOW),
        ):
            expenses.append(
                add(
                    "expenses",
                    user_id=user,
                    category_id=category,
                    amount_cents=cents,
                    date=day,
                    description=f"{name} coffee",
                    payment_method="cash",
                    notes="kept",
                    deleted_at=deleted,
                    version=1,
                    **stamps,
                )  # fmt: skip
            )
        connection.execute(
            insert(tables.tables["expense_tags"]).values(
                expense_id=key(expenses[0]), tag_id=key(tag)
            )
        )
        receipt = add(
            "receipts", user_id=user, expense_id=expenses[0], filename="r.pdf",
            content_type="application/pdf", size=4, sha256="0" * 64, data=b"%PDF", **stamps,
        )  # fmt: skip
        budget = add(
            "budgets", user_id=user, category_id=food, amount_cents=10000, period="monthly",
            start_date=dt.date(2025, 1, 1), version=1, **stamps,
        )  # fmt: skip
        add(
            "user_sessions", user_id=user, token_hash=uuid.uuid4().hex * 2, created_at=NOW,
            expires_at=NOW + dt.timedelta(days=1), remember=False,
        )  # fmt: skip
        mine |= {
            "categories": [food, health],
            "tags": [tag],
            "expenses": expenses,
            "receipts": [receipt],
            "budgets": [budget],
        }
    return ids


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated(request, scratch_app):
    app = scratch_app(request.param, migrate=False)
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as connection:
            ids = fill_old_schema(connection)
        upgrade()
    return app, ids


def test_every_user_gets_a_personal_ledger_holding_their_rows_with_their_ids(migrated):
    app, ids = migrated
    with app.app_context():
        for mine in ids.values():
            (user_id,) = mine["users"]
            ledger = db.session.get_one(Ledger, user_id)
            assert ledger.name == "Personal"
            member = db.session.get_one(LedgerMember, (user_id, user_id))
            assert member.role == "owner"
            assert db.session.get_one(User, user_id).last_ledger_id == user_id
            sessions = select(UserSession.ledger_id).where(UserSession.user_id == user_id)
            assert db.session.scalars(sessions).all() == [user_id]
            for table, model in OWNED.items():
                found = select(model.id).where(model.ledger_id == user_id)
                assert sorted(db.session.scalars(found)) == sorted(mine[table])
            expenses = db.session.scalars(
                select(Expense).where(Expense.id.in_(mine["expenses"]))
            ).all()
            assert {(e.ledger_id, e.user_id, e.private) for e in expenses} == {
                (user_id, user_id, False)
            }
        assert db.session.scalar(select(func.count()).select_from(Ledger)) == 2


def test_derived_structures_are_in_step_and_keyed_by_ledger(migrated):
    app, ids = migrated
    with app.app_context(), db.engine.connect() as connection:
        results = check_all(connection)
        kind = connection.dialect.name
        keys = set(connection.execute(select(ExpenseMonthTotal.ledger_id).distinct()).scalars())
    assert results == {
        structure.name: None if kind == "postgresql" and structure.name == "search-index" else []
        for structure in STRUCTURES
    }
    assert keys == {mine["users"][0] for mine in ids.values()}


def test_the_migrated_users_log_in_and_see_their_own_rows(migrated):
    app, ids = migrated
    client = app.test_client()
    login(client, UserInfo(ids["alice"]["users"][0], "alice", "", DEFAULT_PASSWORD))
    page = client.get("/expenses/?q=coffee").get_data(as_text=True)
    assert "alice coffee" in page and "bob coffee" not in page
    assert "22.49" in page  # the two live expenses; the trashed one stays out


def test_down_to_0008_and_up_again_keeps_every_row(migrated):
    app, ids = migrated
    with app.app_context():
        downgrade(revision="0008")
        with db.engine.connect() as connection:
            owners = connection.execute(text("SELECT DISTINCT user_id FROM expenses")).scalars()
            assert len(set(owners)) == 2
        upgrade()
        for mine in ids.values():
            found = (
                select(func.count())
                .select_from(Expense)
                .where(Expense.ledger_id == mine["users"][0])
            )
            assert db.session.scalar(found) == 3
    with app.app_context(), db.engine.connect() as connection:
        assert not any(check_all(connection).values())
