"""The list's text search `q`: case-insensitive substring of description or notes.

PostgreSQL answers ILIKE from pg_trgm GIN indexes (migration 0003). SQLite
reads its search index instead of the expenses (migration 0006,
`models/expense_search.py`): the trigram index finds the ledger's candidate
rows, and LIKE on those copies decides, so results are exactly LIKE's
(SQLite's LIKE ignores ASCII case only; wildcards are escaped, so literal).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select

from ..database import dialect_name
from ..models import Expense, SearchRow
from ..models.expense_search import (
    BLOCK_SHIFT,
    DAY_SHIFT,
    search_ledgers,
    search_rows,
    search_text,
)

# The trigram tokenizer indexes 3-character sequences: shorter text has none.
TRIGRAM = 3


def source(query: str | None) -> type[Expense]:
    """What a list read scans: the expenses, or while searching on SQLite their copies in
    the search index (`SearchRow`), which read as expenses."""
    return SearchRow if query and dialect_name() == "sqlite" else Expense


def text_search(
    stmt: Select, ledger_id: uuid.UUID, query: str, slots: SlotRange | None = None
) -> Select:
    """`stmt`, over the ledger's rows of `source(query)`, narrowed to those containing
    `query` in description or notes (on SQLite, and to `slots` when given)."""
    pattern = f"%{_escape_like(query)}%"
    if dialect_name() != "sqlite":
        return stmt.where(
            or_(
                Expense.description.ilike(pattern, escape="\\"),
                Expense.notes.ilike(pattern, escape="\\"),
            )
        )
    return _within_candidates(stmt, ledger_id, query, slots or SlotRange()).where(
        or_(
            SearchRow.description.like(pattern, escape="\\"),
            SearchRow.notes.like(pattern, escape="\\"),
        )
    )


@dataclass(frozen=True)
class SlotRange:
    """Bounds (SQL expressions; NULL is no bound) on the part of the ledger's block to read."""

    low: ColumnElement[int] | None = None
    high: ColumnElement[int] | None = None


def slot_key(query: str) -> ColumnElement[int]:
    """The slot column a search for `query` reads in order (the outer loop's rowid)."""
    return search_rows.c.slot if len(query) < TRIGRAM else search_text.c.rowid


def first_of_day(slot: ColumnElement[int]) -> ColumnElement[int]:
    """The first slot of `slot`'s day: every copy from that day or earlier is at or above it
    (days are numbered newest first)."""
    return slot.op(">>")(DAY_SHIFT).op("<<")(DAY_SHIFT)


def last_of_day(slot: ColumnElement[int]) -> ColumnElement[int]:
    """The last slot of `slot`'s day: every copy from that day or later is at or below it."""
    return first_of_day(slot) + (2**DAY_SHIFT - 1)


def _within_candidates(stmt: Select, ledger_id: uuid.UUID, query: str, slots: SlotRange) -> Select:
    """Only the copies in the ledger's block, and for 3+ characters only those holding the
    trigrams of `query`.

    The trigram index is the outer loop (its rowid range keeps it inside the
    block); each candidate is then one lookup by slot, next to the others.
    `slots` narrows the range the outer loop reads.
    """
    block = select(search_ledgers.c.block).where(search_ledgers.c.ledger_id == ledger_id)
    first = block.scalar_subquery().op("<<")(BLOCK_SHIFT)
    last = first + (2**BLOCK_SHIFT - 1)
    if slots.low is not None:
        first = func.max(first, func.coalesce(slots.low, first))
    if slots.high is not None:
        last = func.min(last, func.coalesce(slots.high, last))
    if len(query) < TRIGRAM:
        return stmt.where(search_rows.c.slot.between(first, last))
    return stmt.join(search_text, search_text.c.rowid == search_rows.c.slot).where(
        search_text.c.expense_search_text.match(trigram_query(query)),
        search_text.c.rowid.between(first, last),
    )


def trigram_query(query: str) -> str:
    """An FTS5 query for rows holding 3-character pieces that together cover `query`.

    Pieces side by side (`coffee`: `cof`, `fee`) rather than all of them: each
    one more to intersect costs more than the few more rows LIKE then rejects.
    Each piece is a quoted string (quotes doubled), so FTS5 syntax in the
    search text means nothing. The index keeps no positions (detail=none): the
    pieces need not be adjacent in the row, and LIKE checks afterwards.
    """
    starts = [*range(0, len(query) - TRIGRAM, TRIGRAM), len(query) - TRIGRAM]
    pieces = dict.fromkeys(query[start : start + TRIGRAM] for start in starts)
    return " AND ".join('"' + piece.replace('"', '""') + '"' for piece in pieces)


def _escape_like(text_: str) -> str:
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
