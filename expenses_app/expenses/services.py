"""Expense rules shared by the pages, CSV import, the CLI and demo data.

Services take plain values and never commit: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, String, Text, Uuid, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Expense, Tag, UTCDateTime, expense_tags, name_key, utcnow
from ..scoping import Scope, owned
from ..versioning import check_version, flush_edit
from .json_rows import JsonRows


@dataclass(frozen=True)
class ExpenseValues:
    """The user-editable fields of an expense, already validated."""

    amount: Decimal
    date: dt.date
    category_id: uuid.UUID
    description: str
    payment_method: str = "other"
    tags: Sequence[str] = field(default_factory=tuple)
    notes: str | None = None
    # Shown in full only to the member who added it (see `reads/privacy.py`).
    private: bool = False


def split_tags(text: str | None, separator: str = ",") -> list[str]:
    """`"food, Work,,food "` -> `["food", "Work"]`: trimmed, blanks and repeats dropped."""
    names: list[str] = []
    seen: set[str] = set()
    for part in (text or "").split(separator):
        name = " ".join(part.split())
        if name and name_key(name) not in seen:
            seen.add(name_key(name))
            names.append(name)
    return names


def resolve_tags(ledger_id: uuid.UUID, names: Iterable[str]) -> list[Tag]:
    """The ledger's Tag rows for `names`, creating the missing ones.

    One SELECT when every tag exists. New ones are inserted with ON CONFLICT DO
    NOTHING and read back: on PostgreSQL two requests can add the same new tag
    at once, and the second must reuse the first's row instead of failing on
    the unique name.
    """
    wanted = {name_key(name): name for name in names}
    if not wanted:
        return []
    found = _tags_by_key(ledger_id, wanted)
    missing = [key for key in wanted if key not in found]
    if missing:
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        rows = [
            {"id": uuid.uuid4(), "ledger_id": ledger_id, "name": wanted[key], "name_key": key}
            for key in missing
        ]
        db.session.execute(dialect.insert(Tag).values(rows).on_conflict_do_nothing())
        found |= _tags_by_key(ledger_id, missing)
    return [found[key] for key in wanted]


def _tags_by_key(ledger_id: uuid.UUID, keys: Iterable[str]) -> dict[str, Tag]:
    stmt = owned(Tag, ledger_id=ledger_id).where(Tag.name_key.in_(list(keys)))
    return {tag.name_key: tag for tag in db.session.scalars(stmt)}


def create_expense(scope: Scope, values: ExpenseValues, **origin: object) -> Expense:
    """A new expense in `scope`'s ledger, added by its user. `values.category_id` must
    already be the ledger's. `origin`: columns set once, at creation, saying where the
    expense came from (a recurring rule's `recurring_rule_id` and `occurrence_date`)."""
    expense = Expense(
        ledger_id=scope.ledger_id,
        user_id=scope.user_id,
        tags=resolve_tags(scope.ledger_id, values.tags),
        **origin,
    )
    _assign(expense, values)
    db.session.add(expense)
    db.session.flush()
    return expense


def update_expense(
    expense: Expense, values: ExpenseValues, expected_version: int | None = None
) -> Expense:
    """Apply `values` to `expense` (loaded with its tags, e.g. `selectinload(Expense.tags)`).

    Raises EditConflict when the editor's `expected_version` is stale or another
    save lands between our read and our write.
    """
    check_version(expense, expected_version)
    # Tags first, as create_expense does: resolving them with the row already
    # changed would autoflush its UPDATE, whose trigger locks the month total,
    # and then wait on a new tag another save inserted before waiting on that
    # month total: a deadlock on PostgreSQL.
    tags = resolve_tags(expense.ledger_id, values.tags)
    _assign(expense, values)
    # Always touch the row, so a tags-only change also bumps the version that
    # optimistic locking checks.
    expense.updated_at = utcnow()
    expense.tags = tags
    flush_edit()
    return expense


def trash_expense(expense: Expense) -> None:
    """Move to the trash: it stops counting anywhere until restored."""
    expense.deleted_at = utcnow()


def restore_expense(expense: Expense) -> None:
    expense.deleted_at = None


def last_used_category_id(ledger_id: uuid.UUID) -> uuid.UUID | None:
    """The category of the ledger's latest live expense: the form's default.

    Latest by date, then by entry time, which the list's date index answers
    without reading the ledger's whole history.
    """
    stmt = (
        owned(Expense, ledger_id=ledger_id)
        .with_only_columns(Expense.category_id)
        .order_by(Expense.date.desc(), Expense.created_at.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def _assign(expense: Expense, values: ExpenseValues) -> None:
    for name, value in _fields(values).items():
        setattr(expense, name, value)


def _fields(values: ExpenseValues) -> dict[str, object]:
    """The expense's columns `values` sets (tags aside), as attribute names."""
    return {
        "amount": values.amount,
        "date": values.date,
        "category_id": values.category_id,
        "description": values.description,
        "payment_method": values.payment_method,
        "notes": values.notes or None,
        "private": values.private,
    }


def create_expenses(scope: Scope, values: Sequence[ExpenseValues]) -> list[uuid.UUID]:
    """`create_expense` for many at once (a statement import), in a fixed number of
    statements: one tag lookup, one multi-row INSERT of the expenses, one of their tags.

    Returns the new expenses' ids in the order of `values`. The triggers keep the
    derived structures in step row by row, as for a single expense.
    """
    names = {name_key(name): name for value in values for name in value.tags}
    tags = {tag.name_key: tag.id for tag in resolve_tags(scope.ledger_id, names.values())}
    # Ascending ids for rows in the order given: a caller passing them in date order
    # fills the primary key and the date indexes page after page (as the CSV import does).
    ids = sorted(uuid.uuid4() for _ in values)
    rows = [
        [
            expense_id.hex,
            int(value.amount * 100),
            value.date.isoformat(),
            value.category_id.hex,
            value.description,
            value.payment_method,
            value.notes or None,
            value.private,
        ]
        for expense_id, value in zip(ids, values, strict=True)
    ]
    links = [
        [expense_id.hex, tags[name_key(name)].hex]
        for expense_id, value in zip(ids, values, strict=True)
        for name in value.tags
    ]
    insert_rows(scope, rows, links)
    return ids


# What each row `insert_rows` takes holds, in order (values as SQLite stores them).
EXPENSE_ROW_COLUMNS = {
    "id": Uuid(),
    "amount_cents": BigInteger(),
    "date": Date(),
    "category_id": Uuid(),
    "description": String(),
    "payment_method": String(),
    "notes": Text(),
    "private": Boolean(),
}


def insert_rows(scope: Scope, rows: list[list], links: list[list[str]]) -> None:
    """New expenses of `scope`'s ledger, added by its user, as one INSERT ... SELECT of
    `rows` (values in `EXPENSE_ROW_COLUMNS` order, as SQLite stores them) sent as one JSON
    parameter (see json_rows.py), and one of their (expense, tag) `links`: the two bulk
    paths (the CSV import and the statement import) insert through here."""
    if rows:
        now = literal(utcnow(), UTCDateTime())
        values = JsonRows(rows, list(EXPENSE_ROW_COLUMNS.values()))
        columns = [*EXPENSE_ROW_COLUMNS, "ledger_id", "user_id", "created_at", "updated_at"]
        db.session.execute(
            insert(Expense.__table__).from_select(
                [*columns, "version"],
                select(
                    *values.columns,
                    literal(scope.ledger_id, Uuid()),
                    literal(scope.user_id, Uuid()),
                    now,
                    now,
                    literal(1),
                ).select_from(values.table),
            )
        )
    if links:
        pairs = JsonRows(links, (Uuid(), Uuid()))
        db.session.execute(
            insert(expense_tags).from_select(
                ["expense_id", "tag_id"], select(*pairs.columns).select_from(pairs.table)
            )
        )
