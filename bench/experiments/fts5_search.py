"""EXPERIMENT: the list's text search over the plain FTS5 external-content index
(`migration_0009_fts5_external_content.py`) instead of migration 0006's blocks.

- 3 or more characters: `expenses.rowid IN (SELECT rowid FROM expense_fts WHERE
  expense_fts MATCH :q)` with the same trigram pieces as today
  (`text_search.trigram_query`), plus LIKE on the row, which keeps LIKE's exact
  meaning (the trigram tokenizer folds more case than LIKE does).
- 1 or 2 characters (no trigram): LIKE over the user's rows.
- Every other filter, the scoping and the order apply to `expenses` as usual, so
  the list reads `Expense` rather than the copies (`_page_days` then does nothing).

Not wired into the app: `enable()` switches a running process over (the bench's
experiment and `bench.experiments.wsgi_plain` call it), `disable()` switches back.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Column, Integer, MetaData, Select, Table, Text, literal_column, or_, select

from expenses_app.database import dialect_name
from expenses_app.expenses import filters as filters_module
from expenses_app.expenses import text_search as today
from expenses_app.models import Expense

TRIGRAM = 3
expense_fts = Table(
    "expense_fts",
    MetaData(),  # not the app's: Alembic and backups never see it
    Column("rowid", Integer, primary_key=True),
    Column("expense_fts", Text),  # FTS5's hidden column: the left side of MATCH
)
EXPENSE_ROWID = literal_column("expenses.rowid")


def text_search(stmt: Select, user_id: uuid.UUID, query: str, slots=None) -> Select:
    """`stmt` (over the user's expenses) narrowed to rows holding `query` in description or
    notes; same signature as `text_search.text_search`, `slots` ignored."""
    pattern = f"%{today._escape_like(query)}%"
    if dialect_name() != "sqlite":
        return today.text_search(stmt, user_id, query)
    like = or_(
        Expense.description.like(pattern, escape="\\"),
        Expense.notes.like(pattern, escape="\\"),
    )
    if len(query) < TRIGRAM:
        return stmt.where(like)
    candidates = select(expense_fts.c.rowid).where(
        expense_fts.c.expense_fts.match(today.trigram_query(query))
    )
    return stmt.where(EXPENSE_ROWID.in_(candidates), like)


_SAVED = {
    "source": filters_module.ExpenseFilters.source,
    "text_search": filters_module.text_search,
}


def enable() -> None:
    """Search this process's app with the plain index: the list reads `expenses` itself."""
    filters_module.ExpenseFilters.source = property(lambda self: Expense)
    filters_module.text_search = text_search


def disable() -> None:
    filters_module.ExpenseFilters.source = _SAVED["source"]
    filters_module.text_search = _SAVED["text_search"]
