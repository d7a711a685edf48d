"""SQLite's text-search index (migrations 0006, 0009, `models/expense_search.py`): each
ledger's block of numbered expense copies and their FTS5 trigram index. PostgreSQL has none
(pg_trgm).

Self-contained: replacing the index (say, by an FTS5 external-content table)
means replacing this record.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DatabaseError

from ..models.expense_search import (
    BLOCK_SHIFT,
    COPIED_COLUMNS,
    DAY_SHIFT,
    SQLITE_SEARCH_TRIGGERS,
)
from .record import DerivedStructure, listed, migration

REVISION = "0009"
COPIED = ", ".join(COPIED_COLUMNS)
# Each expense beside its copies, grouped by every copied column: a group
# without exactly one of each is a missing, extra or stale copy.
COPIES = f"""
SELECT id, sum(in_expenses), sum(in_copies)
FROM (
    SELECT {COPIED}, 1 AS in_expenses, 0 AS in_copies FROM expenses
    UNION ALL
    SELECT {COPIED}, 0, 1 FROM expense_search_rows
) AS both_sides
GROUP BY {COPIED}
HAVING sum(in_expenses) <> 1 OR sum(in_copies) <> 1
ORDER BY id
LIMIT :limit
"""
FTS_COMMAND = "INSERT INTO expense_search_text (expense_search_text) VALUES ('{command}')"
# A copy's slot: its ledger's block, then its day, then a number from 1.
NUMBERING = """
SELECT r.id FROM expense_search_rows r
LEFT JOIN expense_search_ledgers b ON b.ledger_id = r.ledger_id
WHERE b.block IS NULL OR (r.slot >> {block_shift}) <> b.block
   OR ((r.slot >> {day_shift}) & 65535) <> {day}
   OR (r.slot & {last_of_day}) = 0
ORDER BY r.id
LIMIT :limit
"""


def _differences(connection: Connection, limit: int) -> list[str]:
    """Copies against the expenses, their numbering, and FTS5's own integrity check.

    The trigram index is contentless: its text cannot be read back, only
    checked for consistency. The triggers write it with the copies, in the
    same statements, and a rebuild replaces both.
    """
    copies = connection.execute(text(COPIES), {"limit": limit + 1}).all()
    problems = listed(
        copies, limit, lambda row: f"expense {row[0]}: {row[1]} row(s), {row[2]} exact copies"
    )
    numbering = NUMBERING.format(
        block_shift=BLOCK_SHIFT,
        day_shift=DAY_SHIFT,
        day=migration(REVISION)._day("r.date"),
        last_of_day=(1 << DAY_SHIFT) - 1,
    )
    misplaced = connection.execute(text(numbering), {"limit": limit + 1}).all()
    problems += listed(misplaced, limit, lambda row: f"copy of expense {row[0]} is misnumbered")
    try:
        with connection.begin_nested():
            connection.execute(text(FTS_COMMAND.format(command="integrity-check")))
    except DatabaseError as exc:
        problems.append(f"the full-text index fails its integrity check ({exc.orig})")
    return problems


def _recompute(connection: Connection) -> None:
    for table in ("expense_search_rows", "expense_search_ledgers"):
        connection.execute(text(f"DELETE FROM {table}"))
    connection.execute(text(FTS_COMMAND.format(command="delete-all")))
    source = migration(REVISION)
    for statement in source.SEARCH_FILL:
        connection.execute(text(statement))


def _create_triggers(connection: Connection) -> None:
    for name, body in migration(REVISION).SEARCH_TRIGGERS.items():
        connection.execute(text(f"CREATE TRIGGER {name} {body}"))


SEARCH_INDEX = DerivedStructure(
    name="search-index",
    tables=("expense_search_ledgers", "expense_search_rows", "expense_search_text"),
    dialects=frozenset({"sqlite"}),
    migration=REVISION,
    kept_by="triggers on expenses (insert, delete, retext, update)",
    triggers=lambda dialect: dict.fromkeys(SQLITE_SEARCH_TRIGGERS, "expenses"),
    functions={},
    create_triggers=_create_triggers,
    recompute=_recompute,
    differences=_differences,
)
