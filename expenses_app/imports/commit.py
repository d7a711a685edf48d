"""Commit, undo and discard: all or nothing, through the expense services."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Integer, Row, Uuid, bindparam, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from ..database import dialect_name
from ..expenses.json_rows import JsonRows
from ..expenses.services import ExpenseValues, create_expenses, split_tags, trash_expense
from ..extensions import db
from ..models import (
    TAG_MAX_LENGTH,
    TAGS_PER_EXPENSE,
    Category,
    Expense,
    ImportBatch,
    ImportChoice,
    ImportLine,
    utcnow,
)
from ..reads.privacy import visible_to
from ..scoping import Scope, owned
from .matching import text_key

INCLUDABLE = ("new", "duplicate", "possible_duplicate")
_LINE_COLUMNS = ("line", "status", "date", "amount", "description", "notes", "tags")
# Rows per multi-row upsert of remembered categories (SQLite's bound-parameter limit).
CHOICES_PER_STATEMENT = 1000


class ImportStateError(Exception):
    """The import is not in a state that allows this (committing twice, undoing a draft)."""


class CommitError(ValueError):
    """The review's choices cannot be committed; the message is for users, nothing changed."""


@dataclass(frozen=True)
class CommitChoices:
    """line -> chosen category (None: the default) for every included line."""

    included: Mapping[int, uuid.UUID | None]
    default_category: uuid.UUID | None
    payment_method: str


def commit_import(scope: Scope, batch: ImportBatch, choices: CommitChoices) -> int:
    """Add the included lines as expenses in one go; how many (the caller commits)."""
    if batch.settings is None:
        raise ImportStateError
    _claim(batch, "draft", "committed")
    # In date order (see create_expenses).
    lines = sorted(_lines(batch, choices.included), key=lambda line: (line.date, line.line))
    categories = set(
        db.session.scalars(
            owned(Category, ledger_id=scope.ledger_id).with_only_columns(Category.id)
        )
    )
    values = [_values(line, choices, categories) for line in lines]
    expenses = create_expenses(scope, values)
    if expenses:
        _link(
            batch,
            [(line.line, expense_id) for line, expense_id in zip(lines, expenses, strict=True)],
        )
        _remember(
            scope,
            [
                (line.description, value.category_id)
                for line, value in zip(lines, values, strict=True)
            ],
        )
    batch.added_count = len(expenses)
    batch.committed_at = utcnow()
    batch.data = None
    return len(expenses)


def _link(batch: ImportBatch, added: list[tuple[int, uuid.UUID]]) -> None:
    """Each line's `expense_id`. PostgreSQL: one UPDATE ... FROM the pairs as JSON (an
    executemany took 1.6 s for 10,000 lines there). SQLite: an executemany, which it
    runs in C in a tenth of that, where its planner reads the JSON once per line of
    the UPDATE ... FROM."""
    if dialect_name() == "postgresql":
        pairs = JsonRows([[line, new.hex] for line, new in added], (Integer(), Uuid()))
        line, expense_id = pairs.columns
        db.session.execute(
            update(ImportLine.__table__)
            .where(ImportLine.import_id == batch.id, ImportLine.line == line)
            .values(expense_id=expense_id)
        )
        return
    db.session.execute(
        update(ImportLine.__table__)
        .where(ImportLine.import_id == batch.id, ImportLine.line == bindparam("line_number"))
        .values(expense_id=bindparam("added")),
        [{"line_number": line, "added": new} for line, new in added],
    )


def _claim(batch: ImportBatch, current: str, new: str) -> None:
    """Move the batch from `current` to `new`, or ImportStateError when it is not there.

    One conditional UPDATE, so of two requests committing (or undoing) the
    same import at once, the second waits for the first on PostgreSQL and then
    finds nothing to claim; SQLite runs them one after the other anyway.
    """
    claimed = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == current)
        .values(status=new)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise ImportStateError
    batch.status = new


def _lines(batch: ImportBatch, included: Mapping[int, uuid.UUID | None]) -> list[Row]:
    """The included lines (the columns an expense is made of), in order; CommitError for
    one that is not there or not includable. Plain rows: 10,000 ORM objects cost more
    than the rest of reading them."""
    stmt = (
        owned(ImportLine, ledger_id=batch.ledger_id)
        .with_only_columns(*(getattr(ImportLine, name) for name in _LINE_COLUMNS))
        .where(ImportLine.import_id == batch.id, ImportLine.line.in_(list(included)))
        .order_by(ImportLine.line)
    )
    lines = list(db.session.execute(stmt))
    found = {line.line for line in lines}
    missing = sorted(set(included) - found)
    if missing:
        raise CommitError(f"Line {missing[0]} is not a line of this import.")
    for line in lines:
        if line.status not in INCLUDABLE:
            raise CommitError(
                f"Line {line.line} is {line.status.replace('_', ' ')}: it cannot be added."
            )
    return lines


def _values(line: Row, choices: CommitChoices, categories: set[uuid.UUID]) -> ExpenseValues:
    """The expense a line adds: its own category, else the default; CommitError without one."""
    category = choices.included[line.line] or choices.default_category
    if category is None:
        raise CommitError(f"Line {line.line} has no category: choose one or a default category.")
    if category not in categories:
        raise CommitError(f"Line {line.line}: that category is not one of this ledger's.")
    return ExpenseValues(
        amount=line.amount,
        date=line.date,
        category_id=category,
        description=line.description,
        payment_method=choices.payment_method,
        tags=_tags(line.tags),
        notes=line.notes,
    )


def _tags(text: str | None) -> list[str]:
    """The line's tags within the form's limits: each cut to TAG_MAX_LENGTH, at most
    TAGS_PER_EXPENSE (a statement's column is not checked like the form)."""
    cut = ",".join(name[:TAG_MAX_LENGTH] for name in split_tags(text))
    return split_tags(cut)[:TAGS_PER_EXPENSE]


def _remember(scope: Scope, chosen: list[tuple[str, uuid.UUID]]) -> None:
    """Each description's category for the next import (the last line's choice wins)."""
    latest = {text_key(text): category for text, category in chosen if text_key(text)}
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "ledger_id": scope.ledger_id,
            "text_key": key,
            "category_id": cat,
            "updated_at": now,
        }
        for key, cat in latest.items()
    ]
    dialect = postgresql if dialect_name() == "postgresql" else sqlite
    for start in range(0, len(rows), CHOICES_PER_STATEMENT):
        stmt = dialect.insert(ImportChoice).values(rows[start : start + CHOICES_PER_STATEMENT])
        db.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["ledger_id", "text_key"],
                set_={
                    "category_id": stmt.excluded.category_id,
                    "updated_at": stmt.excluded.updated_at,
                },
            )
        )


def undo_import(batch: ImportBatch, undoer_id: uuid.UUID) -> int:
    """Move every expense the import added, still outside the trash, to the trash: all but
    those another member has made private since (only their author may delete them)."""
    _claim(batch, "committed", "undone")
    added = (
        owned(ImportLine, ledger_id=batch.ledger_id)
        .with_only_columns(ImportLine.expense_id)
        .where(ImportLine.import_id == batch.id, ImportLine.expense_id.is_not(None))
    )
    stmt = owned(Expense, ledger_id=batch.ledger_id).where(
        Expense.id.in_(added), visible_to(Expense, undoer_id)
    )
    expenses = list(db.session.scalars(stmt.options(selectinload(Expense.tags))))
    for expense in expenses:
        trash_expense(expense)
    return len(expenses)


def discard_import(batch: ImportBatch) -> None:
    """Delete a draft with its stored file and lines."""
    if batch.status != "draft":
        raise ImportStateError
    db.session.execute(delete(ImportBatch).where(ImportBatch.id == batch.id))
