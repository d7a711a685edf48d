"""What the import pages read: a ledger's imports, a batch's lines and their matches."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Expense, ImportBatch, ImportLine
from ..reads.privacy import shown_to
from ..scoping import Scope, owned

RECENT_IMPORTS = 200


@dataclass
class Review:
    lines: list[ImportLine]
    matches: dict[uuid.UUID, Any]
    counts: Counter[str]


def recent_imports(scope: Scope) -> list[ImportBatch]:
    stmt = owned(ImportBatch, ledger_id=scope.ledger_id).order_by(
        ImportBatch.created_at.desc(), ImportBatch.id
    )
    return list(db.session.scalars(stmt.limit(RECENT_IMPORTS)))


def batch_lines(batch: ImportBatch) -> list[ImportLine]:
    stmt = owned(ImportLine, ledger_id=batch.ledger_id).where(ImportLine.import_id == batch.id)
    return list(db.session.scalars(stmt.order_by(ImportLine.line)))


def added_expense_ids(batch: ImportBatch) -> list[uuid.UUID]:
    """The ids of the expenses the batch added at its commit, in the file's order (those an
    undo moved to the trash too; an expense purged from the trash is no longer named)."""
    stmt = (
        owned(ImportLine, ledger_id=batch.ledger_id)
        .with_only_columns(ImportLine.expense_id)
        .where(ImportLine.import_id == batch.id, ImportLine.expense_id.is_not(None))
        .order_by(ImportLine.line)
    )
    return list(db.session.scalars(stmt))


def review(scope: Scope, batch: ImportBatch) -> Review:
    """The batch's lines with the expenses they match, as the viewer may see them."""
    lines = batch_lines(batch)
    wanted = {line.match_id for line in lines if line.match_id} | {
        line.expense_id for line in lines if line.expense_id
    }
    matches: dict[uuid.UUID, Any] = {}
    if wanted:
        for deleted in (False, True):
            stmt = owned(Expense, ledger_id=batch.ledger_id, deleted=deleted).where(
                Expense.id.in_(list(wanted))
            )
            for expense in db.session.scalars(
                stmt.options(selectinload(Expense.category), selectinload(Expense.author))
            ):
                matches[expense.id] = shown_to(expense, scope.user_id)
    return Review(lines, matches, Counter(line.status for line in lines))


def import_of(expense_id: uuid.UUID, ledger_id: uuid.UUID) -> ImportBatch | None:
    """The import that added the expense, if one did."""
    stmt = (
        owned(ImportBatch, ledger_id=ledger_id)
        .join(ImportLine, ImportLine.import_id == ImportBatch.id)
        .where(ImportLine.expense_id == expense_id)
    )
    return db.session.scalar(stmt.limit(1))
