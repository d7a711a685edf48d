"""Import batches and their lines: created at upload, rebuilt at each mapping, purged."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import delete, insert

from ..extensions import db
from ..models import ImportBatch, ImportLine
from ..scoping import Scope
from .matching import judge
from .transactions import Transaction

DRAFT_LIFETIME = dt.timedelta(days=7)


def create_batch(scope: Scope, filename: str, kind: str, data: bytes) -> ImportBatch:
    """A new draft holding the uploaded bytes (the caller commits)."""
    batch = ImportBatch(
        id=uuid.uuid4(),
        ledger_id=scope.ledger_id,
        user_id=scope.user_id,
        filename=(filename or "statement")[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
        status="draft",
        data=data,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def replace_lines(
    scope: Scope, batch: ImportBatch, transactions: Sequence[Transaction], settings: str
) -> None:
    """The batch's lines, judged against the ledger now, in place of any earlier mapping's."""
    db.session.execute(delete(ImportLine).where(ImportLine.import_id == batch.id))
    verdicts = judge(scope, transactions)
    rows = [
        {
            "ledger_id": scope.ledger_id,
            "import_id": batch.id,
            "line": tx.line,
            "status": verdict.status,
            "date": tx.date,
            "amount": None if tx.cents is None else _money(tx.cents),
            "description": tx.description or None,
            "notes": tx.notes,
            "tags": tx.tags,
            "category_name": tx.category_name,
            "reference": tx.reference,
            "error": tx.error,
            "category_id": verdict.category_id,
            "match_id": verdict.match_id,
        }
        for tx, verdict in zip(transactions, verdicts, strict=True)
    ]
    if rows:
        db.session.execute(insert(ImportLine), rows)
    batch.settings = settings
    batch.row_count = len(rows)


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def purge_drafts(now: dt.datetime) -> int:
    """Delete every draft older than DRAFT_LIFETIME, with its file and lines; how many."""
    result = db.session.execute(
        delete(ImportBatch)
        .where(ImportBatch.status == "draft", ImportBatch.created_at < now - DRAFT_LIFETIME)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
