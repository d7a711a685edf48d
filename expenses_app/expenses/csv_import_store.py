"""CSV import, second half: add the parsed rows in a fixed number of statements.

The duplicate check and both inserts send the file's rows as one JSON
parameter (json_rows.py), so their cost follows the size of the file, not of
the user's history, and no value goes through a column type in Python.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Date, String, Uuid, func, select
from sqlalchemy.orm import aliased

from ..database import roomy_sqlite_cache
from ..extensions import db
from ..models import DEFAULT_COLOR, Category, Expense, name_key
from ..reads.privacy import visible_to
from ..scoping import Scope, owned
from .csv_import import Fingerprint, ImportRow
from .json_rows import JsonRows
from .services import insert_rows, resolve_tags

# Enough for the index pages 10,000 inserts touch in a user's 100,000 expenses.
INSERT_CACHE_MIB = 64


@dataclass(frozen=True)
class ImportSummary:
    imported: int
    skipped: int
    categories_created: list[str]


def import_expenses(scope: Scope, rows: Sequence[ImportRow]) -> ImportSummary:
    """Add `rows` to the scope's ledger as its user's, skipping those already there.
    Does not commit.

    A row is a duplicate when the ledger has an expense (outside the trash)
    with the same date, amount, category and description that the user may
    see (another member's private expense never matches: a skipped row would
    tell its description). Identical lines within one file are all kept: the
    k-th copy is skipped only when the ledger already has at least k such
    expenses, so importing the same file again adds nothing.
    """
    ledger_id = scope.ledger_id
    _one_import_at_a_time(ledger_id)
    category_ids = _category_ids(ledger_id)
    existing = _existing_counts(scope, rows, category_ids)
    seen: Counter[Fingerprint] = Counter()
    new_rows = []
    for row in rows:
        fingerprint = row.fingerprint
        seen[fingerprint] += 1
        if seen[fingerprint] > existing[fingerprint]:
            new_rows.append(row)
    created = _create_categories(ledger_id, new_rows, category_ids)
    tag_ids = _resolve_tags(ledger_id, new_rows)
    with roomy_sqlite_cache(INSERT_CACHE_MIB):
        _insert(scope, new_rows, category_ids, tag_ids)
    return ImportSummary(len(new_rows), len(rows) - len(new_rows), created)


def _one_import_at_a_time(ledger_id: uuid.UUID) -> None:
    """Wait for the ledger's other import, if any, to commit or roll back.

    Two imports of the same file at once (a double-clicked submit, two tabs)
    must not both find its rows missing. SQLite's BEGIN IMMEDIATE already runs
    them one after the other; on PostgreSQL a transaction-scoped advisory lock
    per ledger does, and the next statement then sees the other import's rows.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        # Advisory lock keys are signed 64-bit: the top 63 bits of the id.
        db.session.execute(select(func.pg_advisory_xact_lock(ledger_id.int >> 65)))


def _category_ids(ledger_id: uuid.UUID) -> dict[str, uuid.UUID]:
    stmt = owned(Category, ledger_id=ledger_id).with_only_columns(Category.name_key, Category.id)
    return dict(db.session.execute(stmt).tuples().all())


def _existing_counts(
    scope: Scope, rows: Sequence[ImportRow], category_ids: dict[str, uuid.UUID]
) -> Counter[Fingerprint]:
    """How many expenses the ledger already has like each row of the file (of those the
    user may see).

    One query joining the file's distinct fingerprints to the user's expenses
    through an index: rows in a category the user does not have yet cannot be
    duplicates and are left out.
    """
    wanted = list({row.fingerprint for row in rows if row.category_key in category_ids})
    keys = JsonRows(
        [[day.isoformat(), cents, category_ids[key].hex, text] for day, cents, key, text in wanted],
        (Date(), BigInteger(), Uuid(), String()),
    )
    day, cents, category_id, text = keys.columns
    # Candidates by (user, amount, date), then each one's description and
    # category through its id: with all four conditions on one reference,
    # SQLite (no statistics) looks rows up in its covering search index by
    # (user, description) only, and re-importing an export of one's own
    # expenses scanned every "Coffee" once per row (11 s for 10,000 rows).
    same = aliased(Expense)
    stmt = (
        owned(Expense, ledger_id=scope.ledger_id)
        .where(visible_to(Expense, scope.user_id))
        .with_only_columns(keys.position, func.count())
        .select_from(keys.table)
        .join(Expense, (Expense.amount == cents) & (Expense.date == day))
        .join(
            same,
            (same.id == Expense.id)
            & (same.description == text)
            & (same.category_id == category_id),
        )
        .group_by(keys.position)
    )
    return Counter({wanted[n]: count for n, count in db.session.execute(stmt).tuples()})


def _create_categories(
    ledger_id: uuid.UUID, rows: Sequence[ImportRow], category_ids: dict[str, uuid.UUID]
) -> list[str]:
    """Add the categories the rows name and the ledger lacks; their names, in file order."""
    created = []
    for row in rows:
        key, name = row.category_key, row.category
        if key not in category_ids:
            # The file's first spelling names the new category.
            category = Category(
                id=uuid.uuid4(), ledger_id=ledger_id, name=name, name_key=key, color=DEFAULT_COLOR
            )
            db.session.add(category)
            category_ids[key] = category.id
            created.append(name)
    db.session.flush()
    return created


def _resolve_tags(ledger_id: uuid.UUID, rows: Sequence[ImportRow]) -> dict[str, uuid.UUID]:
    names = {name_key(name): name for row in rows for name in row.tags}
    tags = resolve_tags(ledger_id, names.values())
    db.session.flush()
    return {tag.name_key: tag.id for tag in tags}


def _insert(
    scope: Scope,
    rows: Sequence[ImportRow],
    category_ids: dict[str, uuid.UUID],
    tag_ids: dict[str, uuid.UUID],
) -> None:
    """Two INSERT ... SELECT statements, whatever the number of rows."""
    if rows:
        insert_rows(scope, *_json_values(rows, category_ids, tag_ids))


def _json_values(
    rows: Sequence[ImportRow],
    category_ids: dict[str, uuid.UUID],
    tag_ids: dict[str, uuid.UUID],
) -> tuple[list[list[Any]], list[list[str]]]:
    """The new expenses as `EXPENSE_ROW_COLUMNS` values, and their (expense, tag) links."""
    expenses, links = [], []
    tag_hex = {key: tag_id.hex for key, tag_id in tag_ids.items()}
    category_hex = {key: category_id.hex for key, category_id in category_ids.items()}
    # In date order, with the (still random) ids handed out in ascending order:
    # the primary key and the user's date-ordered indexes then fill page after
    # page instead of at random places. With 100,000 expenses SQLite reads and
    # writes about a third fewer pages.
    ids = sorted(uuid.uuid4().hex for _ in rows)
    for row, expense_id in zip(sorted(rows, key=_date_order), ids, strict=True):
        expenses.append(
            [
                expense_id,
                row.amount_cents,
                row.date.isoformat(),
                category_hex[row.category_key],
                row.description,
                row.payment_method,
                row.notes,
                False,  # not private: the CSV format has no such column
            ]
        )
        links.extend([expense_id, tag_hex[name_key(tag)]] for tag in row.tags)
    return expenses, links


def _date_order(row: ImportRow) -> tuple[dt.date, str]:
    return row.date, row.category_key
