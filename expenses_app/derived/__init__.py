"""Every derived structure: data the database computes from other tables, kept in step by
triggers, never written by the app itself.

- `monthly-totals`: expense_month_totals, both dialects; triggers on expenses (0005, 0009).
- `search-index`: expense_search_ledgers, _rows and _text, SQLite only; triggers on
  expenses (0006, 0009).
- `page-cache-version`: ledgers.data_version and users.data_version, both dialects;
  triggers on the tables the pages show (0007, 0009).
- `recurring-page-version`: the same versions' triggers on the recurring tables (0012).

Each record can `check(connection)` (what differs from a plain recomputation
from the source tables, and any missing trigger) and `rebuild(connection)`
(triggers created again, rows recomputed). `flask db check-derived [--rebuild]`,
`flask restore` and the test suite (after every test) run the check.

A change to a derived structure (its table, its triggers) comes with a
migration that rebuilds it, and its record here then points at that migration.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .data_version import DATA_VERSION
from .month_totals import MONTH_TOTALS, month_total_differences
from .record import DerivedStructure
from .recurring_version import RECURRING_VERSION
from .search_index import SEARCH_INDEX

LOCK_TIMEOUT = "10s"
# RECURRING_VERSION after DATA_VERSION: see its `rebuilt_with`.
STRUCTURES: tuple[DerivedStructure, ...] = (
    MONTH_TOTALS,
    SEARCH_INDEX,
    DATA_VERSION,
    RECURRING_VERSION,
)

__all__ = [
    "STRUCTURES",
    "DerivedStructure",
    "check_all",
    "month_total_differences",
    "out_of_step",
    "rebuild_all",
]


def check_all(connection: Connection) -> dict[str, list[str] | None]:
    """Each structure's differences by name ([] when in step, None where the dialect has none)."""
    return {
        structure.name: structure.check(connection) if structure.exists_on(connection) else None
        for structure in STRUCTURES
    }


def rebuild_all(connection: Connection, only: set[str] | None = None) -> None:
    """Rebuild every structure the database has (or those named in `only`), in the caller's
    transaction.

    On PostgreSQL, dropping a trigger waits for every transaction that has
    read its table, and every new reader then queues behind it: after
    LOCK_TIMEOUT the rebuild fails (OperationalError) instead of stalling the app.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    for structure in STRUCTURES:
        wanted = only is None or structure.name in only or structure.rebuilt_with & only
        if structure.exists_on(connection) and wanted:
            structure.rebuild(connection)


def out_of_step(results: dict[str, list[str] | None]) -> bool:
    return any(results.values())
