"""What every derived structure is described by, and the trigger plumbing they share.

A structure's triggers are created by the migration that defines them (its
`create_triggers`, or its DDL), loaded here from the migrations directory the
app was migrated with: the migration stays the one source of that SQL, and
a rebuild creates exactly what `flask db upgrade` did.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import Connection

# A check lists at most this many differences per kind (a broken million-row
# database would otherwise print a million lines); a last line says there were more.
MAX_LISTED = 20
MISSING_FUNCTIONS = "SELECT s FROM unnest(CAST(:s AS text[])) s WHERE to_regprocedure(s) IS NULL"


@dataclass(frozen=True)
class DerivedStructure:
    """A derived structure: data computed from the source tables and kept in step by triggers.

    `triggers(dialect)` names each trigger and the table it is on;
    `functions[dialect]` the PostgreSQL functions they call (signatures), which
    a rebuild drops with CASCADE before `create_triggers` makes everything again;
    `recompute` replaces the stored rows with ones computed from the sources;
    `differences(connection, limit)` compares the two in a few grouped queries.
    """

    name: str
    tables: tuple[str, ...]
    dialects: frozenset[str]
    migration: str
    kept_by: str
    triggers: Callable[[str], Mapping[str, str]]
    functions: Mapping[str, tuple[str, ...]]
    create_triggers: Callable[[Connection], None]
    recompute: Callable[[Connection], None]
    differences: Callable[[Connection, int], list[str]]
    # Other structures whose rebuild drops this one's triggers (PostgreSQL CASCADE).
    rebuilt_with: frozenset[str] = frozenset()

    def exists_on(self, connection: Connection) -> bool:
        return connection.dialect.name in self.dialects

    def check(self, connection: Connection) -> list[str]:
        """What differs from a plain recomputation, and every missing trigger ([] when in step)."""
        dialect = connection.dialect.name
        found = existing_triggers(connection)
        problems = [
            f"trigger {name} on {table} is missing or disabled"
            for name, table in self.triggers(dialect).items()
            if (name, table) not in found
        ]
        if self.functions.get(dialect):
            problems += [
                f"function {signature} is missing"
                for signature in connection.scalars(
                    text(MISSING_FUNCTIONS),
                    {"s": list(self.functions[dialect])},
                )
            ]
        return problems + self.differences(connection, MAX_LISTED)

    def rebuild(self, connection: Connection) -> None:
        """Create the triggers again and recompute the rows, in the caller's transaction.

        The triggers come first: on PostgreSQL, CREATE TRIGGER locks the table
        against writes until the commit, so none slips in before the recomputation.
        """
        dialect = connection.dialect.name
        for signature in self.functions.get(dialect, ()):
            connection.execute(text(f"DROP FUNCTION IF EXISTS {signature} CASCADE"))
        for name, table in self.triggers(dialect).items():
            on_table = "" if dialect == "sqlite" else f" ON {table}"
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}{on_table}"))
        self.create_triggers(connection)
        self.recompute(connection)


def existing_triggers(connection: Connection) -> set[tuple[str, str]]:
    """(trigger, table) of every enabled trigger the database holds."""
    if connection.dialect.name == "sqlite":
        query = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND pg_table_is_visible(c.oid)"
        )
    return {(name, table) for name, table in connection.execute(text(query))}


def migration(revision: str) -> ModuleType:
    """The module of migration `revision` (its file is named `<revision>_<slug>.py`)."""
    versions = Path(current_app.extensions["migrate"].directory) / "versions"
    (path,) = versions.glob(f"{revision}_*.py")
    return _load(path)


@cache
def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_migration_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_as_migration(connection: Connection, step: Callable[[], None]) -> None:
    """Run a migration's function (which uses Alembic's `op`) on `connection`."""
    with Operations.context(MigrationContext.configure(connection)):
        step()


def migration_triggers(
    revision: str, function: str = "create_triggers"
) -> Callable[[Connection], None]:
    """A `create_triggers` step that runs migration `revision`'s own `function(dialect)`,
    so the trigger SQL lives in the migration alone."""

    def create(connection: Connection) -> None:
        create_them = getattr(migration(revision), function)
        run_as_migration(connection, lambda: create_them(connection.dialect.name))

    return create


def listed(rows: list, limit: int, describe: Callable) -> list[str]:
    """One line per row (the query fetched `limit + 1`), and a last line when there are more."""
    lines = [describe(row) for row in rows[:limit]]
    return lines + (["... and more"] if len(rows) > limit else [])
