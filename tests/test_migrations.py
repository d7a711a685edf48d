"""Migrations: same schema on both databases, reversible, in step with the models,
and safe for SQLite batch operations that recreate parent tables."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from expenses_app.demo_data import add_demo_expenses
from expenses_app.derived import STRUCTURES, check_all
from expenses_app.derived.record import existing_triggers
from expenses_app.extensions import db
from expenses_app.models import (
    PUBLIC,
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
    expense_tags,
)
from expenses_app.models.expense import DIALECT_SPECIFIC_INDEXES
from expenses_app.models.expense_search import SQLITE_SEARCH_TABLES
from expenses_app.schema_version import database_revision, latest_revision, script_directory

from .conftest import DATABASES, EXTRA_REVISION, migrations_with_extra_revision
from .factories import make_budget, make_user

RECREATE_CATEGORIES = """\
    with op.batch_alter_table("categories", recreate="always") as batch_op:
        batch_op.alter_column("description", existing_type=sa.Text(), nullable=True)"""


def table_names(app: Flask) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def schema_summary(app: Flask) -> dict[str, dict]:
    """Tables, columns, keys, delete rules, indexes and checks as the database reports them
    (SQLite's search tables aside: they have no PostgreSQL counterpart)."""
    summary = {}
    with app.app_context():
        inspector = inspect(db.engine)
        for table in sorted(set(inspector.get_table_names()) - SQLITE_SEARCH_TABLES):
            summary[table] = {
                "columns": [(c["name"], c["nullable"]) for c in inspector.get_columns(table)],
                "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
                "foreign_keys": sorted(
                    (
                        fk["name"],
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        fk["options"].get("ondelete"),
                    )
                    for fk in inspector.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                    for ix in inspector.get_indexes(table)
                    # PostgreSQL also lists the index behind each unique constraint.
                    if not ix.get("duplicates_constraint")
                    and ix["name"] not in DIALECT_SPECIFIC_INDEXES
                ),
                "uniques": sorted(
                    (uq["name"], tuple(uq["column_names"]))
                    for uq in inspector.get_unique_constraints(table)
                ),
                "checks": sorted(ck["name"] for ck in inspector.get_check_constraints(table)),
            }
    return summary


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_downgrade_to_base_and_upgrade_again(scratch_app, kind):
    app = scratch_app(kind, migrate=False)
    expected = {table.name for table in db.metadata.sorted_tables} | {"alembic_version"}
    if kind == "sqlite":
        expected |= SQLITE_SEARCH_TABLES

    with app.app_context():
        upgrade()
    assert table_names(app) == expected
    with app.app_context():
        downgrade(revision="base")
    assert table_names(app) <= {"alembic_version"}
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            assert database_revision(connection) == latest_revision()
    assert table_names(app) == expected


@pytest.mark.skipif("postgresql" not in DATABASES, reason="TEST_DATABASE_URL is not set")
def test_sqlite_and_postgresql_get_the_same_schema(scratch_app):
    sqlite_schema = schema_summary(scratch_app("sqlite"))
    postgresql_schema = schema_summary(scratch_app("postgresql"))

    assert sqlite_schema == postgresql_schema
    assert sqlite_schema["expenses"]["checks"] == [
        "ck_expenses_amount_max",
        "ck_expenses_amount_positive",
        "ck_expenses_payment_method_valid",
    ]


def test_models_and_migrations_agree(app, runner):
    result = runner.invoke(args=["db", "check"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        assert len(script_directory().get_heads()) == 1


def fill_with_expenses(app: Flask) -> dict[str, int]:
    user = make_user(app)
    make_budget(app, user.id, category="Food")
    with app.app_context():
        add_demo_expenses(user.id, 300, rng=random.Random(1))
        db.session.commit()
    return row_counts(app)


def row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in (Category.__table__, Budget.__table__, Expense.__table__, expense_tags)
        }


def test_batch_migration_recreating_categories_keeps_every_expense(scratch_app, tmp_path):
    app = scratch_app("sqlite")
    before = fill_with_expenses(app)
    migrations = migrations_with_extra_revision(tmp_path, RECREATE_CATEGORIES)

    with app.app_context():
        upgrade(directory=str(migrations))
        with db.engine.connect() as connection:
            assert database_revision(connection) == EXTRA_REVISION
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1

    assert row_counts(app) == before
    assert before["expenses"] == 300 and before["budgets"] == 1


def recreate_categories_with_foreign_keys_on(app: Flask) -> None:
    """What a batch migration would do without env.py's guard."""
    with app.app_context(), db.engine.connect() as connection, connection.begin():
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table("categories", recreate="always"):
            pass


def test_without_the_guard_recreating_categories_fails_or_loses_rows(scratch_app):
    app = scratch_app("sqlite")
    before = fill_with_expenses(app)

    with pytest.raises(IntegrityError):
        recreate_categories_with_foreign_keys_on(app)
    assert row_counts(app) == before

    with app.app_context():
        db.session.execute(delete(Expense))
        db.session.commit()
    recreate_categories_with_foreign_keys_on(app)
    assert row_counts(app)["budgets"] == 0


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_failing_migration_leaves_the_schema_as_it_was(scratch_app, tmp_path, kind):
    app = scratch_app(kind)
    migrations = migrations_with_extra_revision(
        tmp_path,
        "    op.create_table('half_done', sa.Column('id', sa.Integer, primary_key=True))\n"
        "    raise RuntimeError('migration failed halfway')",
    )
    # The readiness check follows the app's migrations directory.
    app.extensions["migrate"].directory = str(migrations)

    # Flask-Migrate reports the error and exits 1, as `flask db upgrade` does.
    with app.app_context(), pytest.raises(SystemExit):
        upgrade(directory=str(migrations))

    assert "half_done" not in table_names(app)
    with app.app_context(), db.engine.connect() as connection:
        assert database_revision(connection) != EXTRA_REVISION
    assert app.test_client().get("/health/db").status_code == 503


def test_postgresql_amount_index_holds_the_category_and_its_statistics_exist(app):
    """Migrations 0008 and 0009 on PostgreSQL: the amount index holds the category, and the
    dependency statistics are on (ledger, category), as a category belongs to one ledger
    (what it buys is measured by `make bench`)."""
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name != "postgresql":
            pytest.skip("PostgreSQL-only index and statistics")
        definition = connection.exec_driver_sql(
            "SELECT pg_get_indexdef('ix_expenses_live_amount'::regclass)"
        ).scalar_one()
        kinds = connection.exec_driver_sql(
            "SELECT stxkind FROM pg_statistic_ext WHERE stxname = 'st_expenses_ledger_category'"
        ).scalar_one()
    assert definition.endswith(
        "(ledger_id, amount_cents, date, id, deleted_at) INCLUDE (category_id)"
        " WHERE (deleted_at IS NULL)"
    )
    assert kinds == ["f"]


def test_every_timestamp_is_timestamptz_on_postgresql(app):
    """`flask db check` takes any DateTime for UTCDateTime, so the zone is checked here."""
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name != "postgresql":
            pytest.skip("SQLite has one kind of timestamp")
        naive = (
            connection.exec_driver_sql(
                "SELECT table_name || '.' || column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'"
            )
            .scalars()
            .all()
        )
    assert naive == []


# --- migration 0009: every user's rows move into their own ledger -------------------

D = dt.date
STAMP = "2026-01-02 03:04:05.000000"


class OldSchema:
    """Rows written with the SQL of the schema at revision 0008 (ids as each database
    stores them: hex on SQLite, uuid text on PostgreSQL)."""

    def __init__(self, connection):
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.ids: dict[str, uuid.UUID] = {}

    def id(self, name: str) -> str:
        value = self.ids.setdefault(name, uuid.uuid4())
        return value.hex if self.sqlite else str(value)

    def insert(self, table: str, **values) -> None:
        names = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        self.connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)

    def user(self, name: str, created: str) -> None:
        self.insert("users", id=self.id(name), email=f"{name}@example.com", username=name,
                    username_key=name, password_hash="x", is_active=True, is_verified=False,
                    created_at=created, updated_at=created)  # fmt: skip
        self.insert("user_sessions", id=self.id(f"{name}/session"), user_id=self.id(name),
                    token_hash=name * 8, created_at=STAMP, expires_at="2030-01-01 00:00:00",
                    remember=False)  # fmt: skip

    def category(self, user: str, name: str) -> None:
        self.insert("categories", id=self.id(f"{user}/{name}"), user_id=self.id(user), name=name,
                    name_key=name.lower(), color="#000000", is_default=False, version=1,
                    created_at=STAMP, updated_at=STAMP)  # fmt: skip

    def expense(self, user: str, key: str, cents: int, day: str, category: str, **extra) -> None:
        self.insert("expenses", id=self.id(key), user_id=self.id(user), amount_cents=cents,
                    date=day, description=f"Bought {key}",
                    payment_method=extra.get("method", "cash"), notes=None,
                    category_id=self.id(f"{user}/{category}"),
                    deleted_at=extra.get("deleted_at"), version=1, created_at=STAMP,
                    updated_at=STAMP)  # fmt: skip


def fill_at_0008(connection) -> OldSchema:
    """Two users, each with a `Food` category (the name the 0009 test checks stays unique per
    ledger), tags, budgets, expenses (one trashed, one tagged, one with a receipt), sessions."""
    old = OldSchema(connection)
    old.user("ann", "2025-01-01 00:00:00.000000")
    old.user("bob", "2025-06-01 00:00:00.000000")
    for user in ("ann", "bob"):
        old.category(user, "Food")
        old.category(user, "Rent")
        old.insert("tags", id=old.id(f"{user}/lunch"), user_id=old.id(user), name="lunch",
                   name_key="lunch")  # fmt: skip
        old.insert("budgets", id=old.id(f"{user}/budget"), user_id=old.id(user),
                   amount_cents=10000, period="monthly", start_date="2026-01-01",
                   category_id=old.id(f"{user}/Food"), version=1, created_at=STAMP,
                   updated_at=STAMP)  # fmt: skip
        old.expense(user, f"{user}/1", 300, "2026-01-31", "Food")
        old.expense(user, f"{user}/2", 450, "2026-01-01", "Food", method="credit_card")
        old.expense(user, f"{user}/3", 9900, "2026-02-01", "Rent")
        old.expense(user, f"{user}/trashed", 700, "2026-01-15", "Food", deleted_at=STAMP)
        old.insert("expense_tags", expense_id=old.id(f"{user}/1"), tag_id=old.id(f"{user}/lunch"))
        old.insert("expense_tags", expense_id=old.id(f"{user}/trashed"),
                   tag_id=old.id(f"{user}/lunch"))  # fmt: skip
    old.insert("receipts", id=old.id("ann/receipt"), user_id=old.id("ann"),
               expense_id=old.id("ann/1"), filename="r.pdf", content_type="application/pdf",
               size=3, sha256="0" * 64, data=b"pdf", created_at=STAMP,
               updated_at=STAMP)  # fmt: skip
    return old


def owners_of(table) -> dict[uuid.UUID, uuid.UUID]:
    return dict(db.session.execute(select(table.c.id, table.c.ledger_id)).all())


def assert_moved_into_personal_ledgers(old: OldSchema) -> None:
    """Every id kept, every row in its old user's ledger (whose id is the user's)."""
    users = {name: old.ids[name] for name in ("ann", "bob")}
    owner_of = {key: users[key.split("/")[0]] for key in old.ids if "/" in key}
    for model in (Category, Tag, Budget, Receipt, Expense):
        stored = owners_of(model.__table__)
        expected = {old.ids[k]: owner for k, owner in owner_of.items() if old.ids[k] in stored}
        assert stored == expected, model.__tablename__
    expected_rows = {"categories": 4, "tags": 2, "budgets": 2, "receipts": 1, "expenses": 8}
    assert {m.__tablename__: len(owners_of(m.__table__)) for m in (Category, Tag, Budget,
            Receipt, Expense)} == expected_rows  # fmt: skip
    authors = dict(db.session.execute(select(Expense.id, Expense.user_id)).all())
    assert authors == {i: owner_of[k] for k, i in old.ids.items() if i in authors}
    assert not any(db.session.scalars(select(Expense.private)))
    links = db.session.execute(select(expense_tags.c.expense_id, expense_tags.c.tag_id)).all()
    assert len(links) == 4
    ledgers = db.session.execute(select(Ledger.id, Ledger.name, Ledger.created_at)).all()
    created = dict(db.session.execute(select(User.id, User.created_at)).all())
    assert sorted(ledgers) == sorted((i, "Personal", created[i]) for i in users.values())
    members = db.session.execute(
        select(LedgerMember.ledger_id, LedgerMember.user_id, LedgerMember.role,
               LedgerMember.joined_at)
    ).all()  # fmt: skip
    assert sorted(members) == sorted((i, i, "owner", created[i]) for i in users.values())
    assert dict(db.session.execute(select(User.id, User.last_ledger_id)).all()) == {
        i: i for i in users.values()
    }
    sessions = db.session.execute(select(UserSession.user_id, UserSession.ledger_id)).all()
    assert sorted(sessions) == sorted((i, i) for i in users.values())


def assert_totals_exact(old: OldSchema) -> None:
    rows = db.session.execute(
        select(ExpenseMonthTotal.ledger_id, ExpenseMonthTotal.month, ExpenseMonthTotal.category_id,
               ExpenseMonthTotal.payment_method, ExpenseMonthTotal.private_of,
               ExpenseMonthTotal.expense_count, ExpenseMonthTotal.amount)
        .where(ExpenseMonthTotal.expense_count > 0)
    ).all()  # fmt: skip
    expected = []
    for user in ("ann", "bob"):
        ledger, food, rent = (old.ids[k] for k in (user, f"{user}/Food", f"{user}/Rent"))
        expected += [
            (ledger, D(2026, 1, 1), food, "cash", PUBLIC, 1, Decimal("3.00")),
            (ledger, D(2026, 1, 1), food, "credit_card", PUBLIC, 1, Decimal("4.50")),
            (ledger, D(2026, 2, 1), rent, "cash", PUBLIC, 1, Decimal("99.00")),
        ]
    assert sorted(rows) == sorted(expected)


def all_structures_in_step(kind: str) -> dict:
    return {
        structure.name: None if kind == "postgresql" and structure.name == "search-index" else []
        for structure in STRUCTURES
    }


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_0009_moves_every_users_rows_into_their_own_ledger(scratch_app, kind):
    app = scratch_app(kind, migrate=False)
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as connection:
            old = fill_at_0008(connection)
        upgrade()
        assert_moved_into_personal_ledgers(old)
        assert_totals_exact(old)
        db.session.remove()  # SQLite: the check writes (FTS5's integrity-check)
        with db.engine.connect() as connection:
            assert check_all(connection) == all_structures_in_step(kind)
        # Names are unique per ledger: Ann's and Bob's "Food" both stay, a second one is refused.
        with pytest.raises(IntegrityError):
            db.session.add(Category(ledger_id=old.ids["ann"], name="FOOD", name_key="food"))
            db.session.commit()
        db.session.rollback()
        db.session.remove()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_0009_goes_down_to_0008_and_up_again_with_the_same_rows(scratch_app, kind):
    app = scratch_app(kind, migrate=False)
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as connection:
            old = fill_at_0008(connection)
        before = per_user_rows(app)
        upgrade()
        downgrade(revision="0008")
        assert per_user_rows(app) == before
        with db.engine.connect() as connection:
            assert database_revision(connection) == "0008"
            # 0005-0007's own checks of their structures, as a database at 0008 has them.
            assert month_totals_at_0008_drift(connection) == []
        upgrade()
        assert_moved_into_personal_ledgers(old)
        assert_totals_exact(old)
        db.session.remove()  # SQLite: the check writes (FTS5's integrity-check)
        with db.engine.connect() as connection:
            assert check_all(connection) == all_structures_in_step(kind)
        db.session.remove()


def per_user_rows(app: Flask) -> dict[str, list]:
    """Every owned table's (id, user_id) at 0008, read with plain SQL."""
    tables = ("categories", "tags", "budgets", "receipts", "expenses", "user_sessions")
    with db.engine.connect() as connection:
        return {
            t: sorted(map(tuple, connection.exec_driver_sql(f"SELECT id, user_id FROM {t}")))
            for t in tables
        }


def month_totals_at_0008_drift(connection) -> list:
    """0005's totals against the live expenses, per user (the schema 0008 has)."""
    month = {"sqlite": "date(date, 'start of month')",
             "postgresql": "date_trunc('month', date)::date"}[connection.dialect.name]  # fmt: skip
    live = (
        f"SELECT user_id, {month} AS month, category_id, payment_method, count(*) AS n,"
        " sum(amount_cents) AS cents FROM expenses WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4"
    )
    stored = (
        "SELECT user_id, month, category_id, payment_method, expense_count AS n, amount_cents AS"
        " cents FROM expense_month_totals WHERE expense_count > 0"
    )
    rows = lambda sql: sorted(map(tuple, connection.exec_driver_sql(sql)))  # noqa: E731
    return [] if rows(live) == rows(stored) else [rows(live), rows(stored)]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_0009_downgrade_refuses_to_merge_two_ledgers_names_and_changes_nothing(scratch_app, kind):
    """A user who owns two ledgers, each with a `Food`: 0008 could hold only one."""
    app = scratch_app(kind)
    with app.app_context():
        ann = User(email="a@b.c", username="ann", username_key="ann", password_hash="x")
        db.session.add(ann)
        db.session.flush()
        for name in ("Home", "Work"):
            ledger = Ledger(name=name)
            db.session.add(ledger)
            db.session.flush()
            db.session.add(LedgerMember(ledger_id=ledger.id, user_id=ann.id, role="owner"))
            db.session.add(Category(ledger_id=ledger.id, name="Food", name_key="food"))
        db.session.commit()
        with pytest.raises(SystemExit):
            downgrade(revision="0008")
        with db.engine.connect() as connection:
            assert database_revision(connection) == latest_revision()
        assert db.session.scalar(select(func.count()).select_from(Category)) == 2
        db.session.remove()


def test_postgresql_reads_a_ledgers_monthly_totals_from_an_index_alone(app):
    """Migration 0010 (what it buys: its docstring, and `make bench`'s shared ledger)."""
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name != "postgresql":
            pytest.skip("PostgreSQL-only index")
        definition = connection.exec_driver_sql(
            "SELECT pg_get_indexdef('ix_expense_month_totals_covering'::regclass)"
        ).scalar_one()
    assert "(ledger_id, month) INCLUDE (category_id, payment_method, private_of" in definition


def raw_counts(connection) -> dict[str, int]:
    return {
        table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
        for table in ("expenses", "expense_tags", "receipts", "expense_month_totals")
    }


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_0012_keeps_every_expense_link_and_trigger_up_and_down(scratch_app, kind):
    """Issue 14: on SQLite 0012 copies `expenses` (batch) and must keep its rows, the rows
    that point at them, its triggers and its indexes."""
    app = scratch_app(kind, migrate=False)
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as connection:
            fill_at_0008(connection)
        upgrade(revision="0010")
        with db.engine.connect() as connection:
            before = raw_counts(connection)
            triggers = existing_triggers(connection)
        upgrade()
        with db.engine.connect() as connection:
            assert raw_counts(connection) == before
            assert existing_triggers(connection) >= triggers
        db.session.remove()
        with db.engine.connect() as connection:
            assert check_all(connection) == all_structures_in_step(kind)
        downgrade(revision="0010")
        with db.engine.connect() as connection:
            assert raw_counts(connection) == before
            assert existing_triggers(connection) == triggers
        upgrade()
        db.session.remove()
