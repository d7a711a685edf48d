"""What the ledger already has of a statement: duplicates, possible duplicates and the
category each line starts with.

Everything is read through the scoping door (`owned`). Another member's
private expense is compared by date and amount only, so a line's status never
tells its description; its text is never shown (the review goes through
`shown_to`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, select

from ..expenses.json_rows import JsonRows
from ..extensions import db
from ..models import Category, Expense, ImportChoice, ImportLine, name_key
from ..reads.privacy import is_masked
from ..scoping import Scope, owned
from .transactions import Transaction

# A possible duplicate is an expense of the same amount this many days either side.
NEAR_DAYS = 3


@dataclass
class Verdict:
    status: str
    match_id: uuid.UUID | None = None
    category_id: uuid.UUID | None = None


@dataclass(frozen=True)
class _Existing:
    id: uuid.UUID
    date: dt.date
    cents: int
    key: str | None  # match_key of the description; None when masked for the viewer
    deleted: bool


def text_key(text: str | None) -> str:
    """The remembered-category key of a description or payee."""
    return name_key(text or "")[:200]


def match_key(text: str | None) -> str:
    """The duplicate key of a description: case and spacing ignored ("Coffee Shop" is
    "coffeeshop", as is "COFFEESHOP")."""
    return "".join(name_key(text or "").split())


def judge(scope: Scope, transactions: Sequence[Transaction]) -> list[Verdict]:
    """A verdict per transaction, in order (the k-th identical line matches a k-th expense)."""
    spent = [tx for tx in transactions if tx.status == "new"]
    existing = _candidates(scope, spent)
    by_reference = _by_reference(scope, spent)
    categories = _preselected(scope, spent)
    exact: dict[tuple, list[_Existing]] = defaultdict(list)
    live: dict[int, list[_Existing]] = defaultdict(list)
    for row in existing:
        exact[(row.date, row.cents, row.key)].append(row)
        if not row.deleted:
            live[row.cents].append(row)
    used: set[uuid.UUID] = set()
    verdicts = []
    for tx in transactions:
        if tx.status != "new":
            verdicts.append(Verdict(tx.status))
            continue
        match = _exact_match(tx, by_reference, exact, used)
        category = categories(tx)
        if match is not None:
            used.add(match)
            verdicts.append(Verdict("duplicate", match, category))
        elif (near := _nearest(tx, live)) is not None:
            verdicts.append(Verdict("possible_duplicate", near, category))
        else:
            verdicts.append(Verdict("new", None, category))
    return verdicts


def _exact_match(tx, by_reference, exact, used) -> uuid.UUID | None:
    """The bank reference's expense, else the first unused identical one (masked ones by
    date and amount)."""
    referenced = by_reference.get(tx.reference) if tx.reference else None
    if referenced is not None and referenced not in used:
        return referenced
    for key in (match_key(tx.description), None):
        for row in exact.get((tx.date, tx.cents, key), ()):
            if row.id not in used:
                return row.id
    return None


def _nearest(tx: Transaction, live: dict[int, list[_Existing]]) -> uuid.UUID | None:
    """The live expense of the transaction's amount closest to its date, within NEAR_DAYS."""
    close = [
        (abs((row.date - tx.date).days), row.date, row.id)
        for row in live.get(tx.cents, ())
        if abs((row.date - tx.date).days) <= NEAR_DAYS
    ]
    return min(close)[2] if close else None


def _candidates(scope: Scope, spent: Sequence[Transaction]) -> list[_Existing]:
    """The ledger's expenses (trash included) of an amount of the file, dated within the
    file's days give or take NEAR_DAYS, oldest entry first.

    The amounts go in as one JSON parameter read by an IN subquery, which
    both databases turn into one lookup per amount in the (ledger, amount)
    index; a join on (date, amount) pairs let SQLite scan the ledger for each.
    """
    if not spent:
        return []
    amounts = JsonRows([[cents] for cents in sorted({tx.cents for tx in spent})], (BigInteger(),))
    window = dt.timedelta(days=NEAR_DAYS)
    low = min(tx.date for tx in spent) - window
    high = max(tx.date for tx in spent) + window
    found = []
    for deleted in (False, True):
        stmt = (
            owned(Expense, ledger_id=scope.ledger_id, deleted=deleted)
            .with_only_columns(
                Expense.id,
                Expense.date,
                Expense.amount,
                Expense.description,
                Expense.private,
                Expense.user_id,
            )
            .where(
                Expense.amount.in_(select(amounts.columns[0]).select_from(amounts.table)),
                Expense.date.between(low, high),
            )
            .order_by(Expense.created_at, Expense.id)
        )
        for id_, date, amount, description, private, user_id in db.session.execute(stmt):
            masked = is_masked(private, user_id, scope.user_id)
            key = None if masked else match_key(description)
            found.append(_Existing(id_, date, int(amount * 100), key, deleted))
    return found


def _by_reference(scope: Scope, spent: Sequence[Transaction]) -> dict[str, uuid.UUID]:
    """Bank reference -> the expense an earlier import added with it (trash included)."""
    references = sorted({tx.reference for tx in spent if tx.reference})
    if not references:
        return {}
    stmt = (
        owned(ImportLine, ledger_id=scope.ledger_id)
        .with_only_columns(ImportLine.reference, ImportLine.expense_id)
        .where(ImportLine.reference.in_(references), ImportLine.expense_id.is_not(None))
    )
    return dict(db.session.execute(stmt).tuples().all())


def _preselected(scope: Scope, spent: Sequence[Transaction]):
    """A function: the category a transaction starts with (file column, else remembered)."""
    names = dict(
        db.session.execute(
            owned(Category, ledger_id=scope.ledger_id).with_only_columns(
                Category.name_key, Category.id
            )
        )
        .tuples()
        .all()
    )
    keys = sorted({text_key(tx.description) for tx in spent})
    remembered = {}
    if keys:
        stmt = (
            owned(ImportChoice, ledger_id=scope.ledger_id)
            .with_only_columns(ImportChoice.text_key, ImportChoice.category_id)
            .where(ImportChoice.text_key.in_(keys))
        )
        remembered = dict(db.session.execute(stmt).tuples().all())

    def category(tx: Transaction) -> uuid.UUID | None:
        # QIF and some banks write subcategories as `Food:Groceries`.
        for name in (tx.category_name, (tx.category_name or "").split(":")[0]):
            if name and name_key(name) in names:
                return names[name_key(name)]
        return remembered.get(text_key(tx.description))

    return category
