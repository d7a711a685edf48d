"""SQLite's text-search index (migration 0006): derived tables that triggers keep in step.

Three tables, all rebuilt from `expenses` and none holding anything else:

- `expense_search_ledgers`: each ledger that has expenses owns a block of row
  numbers, `block << 36` up to `((block + 1) << 36) - 1`.
- `expense_search_rows`: a copy of every expense (trashed ones too) with the
  columns the list filters, sorts and sums, numbered (`slot`) inside its
  ledger's block by date, newest day first: each day (2000-01-01 to 2179,
  earlier and later dates sharing the two ends) has 2^20 numbers, handed
  out in the order written. A ledger's copies are therefore contiguous in the
  table, and in date order to the day.
- `expense_search_text`: an FTS5 trigram index of description and notes,
  whose rowid is the slot. A search reads only the part of each trigram's
  postings inside the ledger's block, so its cost follows the ledger's matches,
  not everyone's.

They live in their own `MetaData`: Alembic's autogenerate leaves them out
(`migrations/env.py`), and backups, which dump `db.metadata`, skip them;
restoring a backup refills them through the triggers.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, Table, Text, Uuid
from sqlalchemy.orm import aliased

from .expense import Expense

SEARCH_METADATA = MetaData()
# A slot: block << BLOCK_SHIFT | (65535 - days from 2000-01-01) << DAY_SHIFT | the
# day's running number.
BLOCK_SHIFT = 36
DAY_SHIFT = 20
# The columns of `expenses` copied into `expense_search_rows`, in table order:
# description and notes first, so a LIKE over a ledger's rows decodes less of each record.
COPIED_COLUMNS = (
    "ledger_id",
    "description",
    "notes",
    "amount_cents",
    "date",
    "created_at",
    "id",
    "category_id",
    "payment_method",
    "deleted_at",
    # Who may find it by its text: everyone, or only its author when private.
    "user_id",
    "private",
)


def _copied_type(name: str):
    # A foreign key column's type is only known once the referenced table is: name it here.
    return Uuid() if name in ("ledger_id", "user_id") else Expense.__table__.c[name].type


search_ledgers = Table(
    "expense_search_ledgers",
    SEARCH_METADATA,
    Column("ledger_id", Uuid(), primary_key=True),
    Column("block", Integer, nullable=False, unique=True),
)
search_rows = Table(
    "expense_search_rows",
    SEARCH_METADATA,
    Column("slot", Integer, primary_key=True),
    *(Column(name, _copied_type(name)) for name in COPIED_COLUMNS),
)
search_text = Table(
    "expense_search_text",
    SEARCH_METADATA,
    Column("rowid", Integer, primary_key=True),
    # FTS5's hidden column named after the table: the left side of MATCH.
    Column("expense_search_text", Text),
)

# The copies read as expenses: the list's filters and sorts apply to them unchanged.
SearchRow = aliased(Expense, search_rows, adapt_on_names=True)

# FTS5 keeps the index in shadow tables named after the virtual table.
SQLITE_SEARCH_TABLES = frozenset(SEARCH_METADATA.tables) | {
    f"expense_search_text_{suffix}" for suffix in ("data", "idx", "config")
}
SQLITE_SEARCH_TRIGGERS = (
    "expense_search_insert",
    "expense_search_delete",
    "expense_search_retext",
    "expense_search_update",
)
