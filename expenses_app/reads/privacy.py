"""Private expenses: the one place that decides what other members see of them.

A private expense counts in every total of its ledger, for everyone. To
any member but the one who added it, it shows only its date, amount and
category: its description reads `Private expense`, and its notes, tags,
payment method and receipt are never sent. Every read passes through here:

- rows read in full (the list, the detail page, the trash, the dashboard's
  recent expenses, the CSV export) go through `shown_to`;
- filters that would match on hidden text or tags (`q`, `tag`,
  `payment_method`) add `visible_to`, so they never match another member's
  private expense (a match would tell its text);
- groupings by payment method or tag put such expenses in the group
  `private` (`shown_method` on expenses, `totals_shown_method` on the
  monthly totals, whose `private_of` column tells whose private rows they are).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_

from ..models import PUBLIC, Expense, ExpenseMonthTotal

PRIVATE_LABEL = "Private expense"
# The group other members see a private expense under, in reports by tag or payment method.
PRIVATE_GROUP = "private"
# What the CSV export writes for a masked expense's payment method.
MASKED_METHOD = "other"


def is_masked(private: bool, author_id: uuid.UUID | None, viewer_id: uuid.UUID) -> bool:
    """Whether `viewer_id` sees an expense with these flags masked."""
    return bool(private) and author_id != viewer_id


def visible_to(row: type[Expense], viewer: Any) -> ColumnElement[bool]:
    """SQL: the rows of `row` whose text, tags and payment method `viewer` may see."""
    return or_(row.private.is_(False), and_(row.user_id.is_not(None), row.user_id == viewer))


def shown_method(row: type[Expense], viewer: Any) -> ColumnElement[str]:
    """SQL: the payment method `viewer` sees for a row of `row` (`private` when masked)."""
    return case((visible_to(row, viewer), row.payment_method), else_=PRIVATE_GROUP)


def totals_visible_to(viewer: Any) -> ColumnElement[bool]:
    """SQL: the rows of the monthly totals whose payment method `viewer` may see."""
    # Two comparisons, not IN: each gives the bound viewer the column's type.
    owner = ExpenseMonthTotal.private_of
    return or_(owner == PUBLIC, owner == viewer)


def totals_shown_method(viewer: Any) -> ColumnElement[str]:
    """SQL: the payment method `viewer` sees for a row of the monthly totals."""
    return case((totals_visible_to(viewer), ExpenseMonthTotal.payment_method), else_=PRIVATE_GROUP)


@dataclass(frozen=True, slots=True)
class MaskedExpense:
    """What another member sees of a private expense: read like any expense row.

    It has every attribute the pages and the CSV export read of an expense,
    with the hidden ones empty, so no template or writer can show them.
    """

    id: uuid.UUID
    ledger_id: uuid.UUID | None
    user_id: uuid.UUID | None
    date: dt.date
    amount: Decimal
    category: Any
    category_id: uuid.UUID | None
    # In the trash, when it went there (the trash page's order and its purge date).
    deleted_at: dt.datetime | None
    added_by: str | None
    description: str = PRIVATE_LABEL
    payment_method: str = MASKED_METHOD
    notes: None = None
    tags: tuple = ()
    receipt: None = None
    has_receipt: bool = False
    private: bool = True
    masked: bool = True


def shown_to(row: Any, viewer_id: uuid.UUID) -> Any:
    """`row` (an expense, a listed or recent expense) as `viewer_id` may see it."""
    if not is_masked(row.private, row.user_id, viewer_id):
        return row
    return MaskedExpense(
        id=row.id,
        ledger_id=getattr(row, "ledger_id", None),
        user_id=row.user_id,
        date=row.date,
        amount=row.amount,
        category=row.category,
        category_id=getattr(row, "category_id", None),
        deleted_at=getattr(row, "deleted_at", None),
        added_by=getattr(row, "added_by", None),
    )
