"""`users.data_version` (migration 0007): a random value that triggers replace on every write
to what a user's pages show; the page cache (`page_cache.py`) keys on it.

Any value is as good as another, so nothing can be recomputed to compare with:
the check is that every user has one and that the triggers exist. A rebuild
gives every user a new value, which also retires every cached page.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .record import DerivedStructure, listed, migration, migration_triggers

REVISION = "0007"
FUNCTIONS = {
    "postgresql": (
        "users_data_version_set(uuid)",
        "users_data_version_owned()",
        "users_data_version_link()",
        "users_data_version_shown()",
    )
}


def _differences(connection: Connection, limit: int) -> list[str]:
    missing = connection.execute(
        text("SELECT id FROM users WHERE data_version IS NULL ORDER BY id LIMIT :limit"),
        {"limit": limit + 1},
    ).all()
    return listed(missing, limit, lambda row: f"user {row[0]} has no data_version")


def _recompute(connection: Connection) -> None:
    source = migration(REVISION)
    value = (
        source.SQLITE_NEW_VALUE
        if connection.dialect.name == "sqlite"
        else (source.POSTGRES_NEW_VALUE)
    )
    connection.execute(text(f"UPDATE users SET data_version = {value}"))


DATA_VERSION = DerivedStructure(
    name="page-cache-version",
    tables=("users",),
    dialects=frozenset({"sqlite", "postgresql"}),
    migration=REVISION,
    kept_by="triggers on expenses, categories, budgets, tags, receipts, expense_tags, users",
    triggers=lambda dialect: migration(REVISION).trigger_tables(dialect),
    functions=FUNCTIONS,
    create_triggers=migration_triggers(REVISION),
    recompute=_recompute,
    differences=_differences,
)
