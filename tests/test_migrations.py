"""Migrations: same schema on both databases, reversible, in step with the models,
and safe for SQLite batch operations that recreate parent tables."""

from __future__ import annotations

import random

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, func, inspect, select
from sqlalchemy.exc import IntegrityError

from expenses_app.demo_data import add_demo_expenses
from expenses_app.extensions import db
from expenses_app.models import Budget, Category, Expense, expense_tags
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
    """Migrations 0008 and 0009 on PostgreSQL (what it buys is measured by `make bench`)."""
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
    assert definition.endswith("INCLUDE (category_id) WHERE (deleted_at IS NULL)")
    assert kinds == ["f"]
