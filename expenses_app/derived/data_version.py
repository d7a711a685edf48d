"""`ledgers.data_version` and `users.data_version` (migrations 0007, 0009): random values that
triggers replace on every write to what a ledger's pages show, and to what every page shows a
user (their name, their memberships, their ledgers' names); the page cache
(`page_cache.py`) keys on both.

Any value is as good as another, so nothing can be recomputed to compare with:
the check is that every ledger and user has one and that the triggers exist.
A rebuild gives every ledger and user a new value, which also retires every
cached page.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .record import DerivedStructure, listed, migration, migration_triggers

REVISION = "0009"
VERSIONED = ("ledgers", "users")
# The PostgreSQL functions 0009 creates (its VERSION_FUNCTION_SIGNATURES; a test checks
# they agree). A rebuild drops them with CASCADE first, which drops their triggers.
FUNCTIONS = {
    "postgresql": (
        "data_version_note(text, uuid)",
        "data_version_flush()",
        "data_version_lock()",
        *(
            f"data_version_note_{kind}()"
            for kind in ("owned", "link", "member", "renamed", "account")
        ),
    )
}


def _differences(connection: Connection, limit: int) -> list[str]:
    problems = []
    for table in VERSIONED:
        missing = connection.execute(
            text(f"SELECT id FROM {table} WHERE data_version IS NULL ORDER BY id LIMIT :limit"),
            {"limit": limit + 1},
        ).all()
        problems += listed(missing, limit, lambda row, t=table: f"{t} {row[0]} has no data_version")
    return problems


def _recompute(connection: Connection) -> None:
    source = migration(REVISION)
    sqlite = connection.dialect.name == "sqlite"
    value = source.SQLITE_NEW_VALUE if sqlite else source.POSTGRES_NEW_VALUE
    for table in VERSIONED:
        connection.execute(text(f"UPDATE {table} SET data_version = {value}"))


DATA_VERSION = DerivedStructure(
    name="page-cache-version",
    tables=VERSIONED,
    dialects=frozenset({"sqlite", "postgresql"}),
    migration=REVISION,
    kept_by="triggers on expenses, categories, budgets, tags, receipts, expense_tags,"
    " ledger_members, ledgers, users",
    triggers=lambda dialect: migration(REVISION).version_trigger_tables(dialect),
    functions=FUNCTIONS,
    create_triggers=migration_triggers(REVISION, "create_version_triggers"),
    recompute=_recompute,
    differences=_differences,
)
