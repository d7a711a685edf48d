"""A transaction read from any statement format, before the ledger is consulted."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..models import DESCRIPTION_MAX_LENGTH, NOTES_MAX_LENGTH

MAX_TRANSACTIONS = 10_000
NO_DESCRIPTION = "(no description)"
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROLS_AND_BREAKS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Transaction:
    """One line of a statement. `cents` is signed as the ledger sees it: positive is spent,
    negative is money coming in. `error` says why the line cannot be read."""

    line: int
    date: dt.date | None = None
    cents: int | None = None
    description: str = ""
    notes: str | None = None
    category_name: str | None = None
    reference: str | None = None
    tags: str | None = None
    error: str | None = None

    @property
    def status(self) -> str:
        """`error`, `income`, or `new` (duplicates are decided against the ledger)."""
        if self.error:
            return "error"
        return "income" if self.cents is not None and self.cents < 0 else "new"


def _plain(text: str | None) -> str | None:
    """`text` without control characters (PostgreSQL cannot store NUL, and the edit form
    refuses the others): each becomes a space, line breaks aside."""
    return None if text is None else _CONTROLS.sub(" ", text)


def finish(tx: Transaction, problems: list[str]) -> Transaction:
    """`tx` with the contract's limits applied and every problem found gathered in `error`."""
    tx.notes, tx.reference, tx.category_name, tx.tags = (
        _plain(tx.notes),
        _plain(tx.reference),
        _plain(tx.category_name),
        _plain(tx.tags),
    )
    text = " ".join(_CONTROLS_AND_BREAKS.sub(" ", tx.description).split())
    # The contract's errors are the date and the amount; an expense needs some text.
    tx.description = text[:DESCRIPTION_MAX_LENGTH] or NO_DESCRIPTION
    if tx.notes:
        notes = tx.notes.replace("\r\n", "\n").replace("\r", "\n").strip()
        tx.notes = notes[:NOTES_MAX_LENGTH] or None
    if tx.reference:
        tx.reference = tx.reference.strip()[:255] or None
    if tx.category_name:
        tx.category_name = " ".join(tx.category_name.split())[:200] or None
    if tx.cents == 0:
        problems.append("the amount is zero")
    if tx.date is None and not problems:
        problems.append("the date is missing")
    if problems:
        tx.error = "; ".join(problems)
    return tx


def joined(*parts: str | None) -> str | None:
    """The non-empty parts, one per line (notes built from several fields)."""
    kept = [part.strip() for part in parts if part and part.strip()]
    return "\n".join(kept) or None
