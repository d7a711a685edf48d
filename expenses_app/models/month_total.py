"""Live spending per ledger, month, category and payment method, kept by database triggers."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import DERIVED, Base
from .expense import PAYMENT_METHOD_MAX_LENGTH

# The `private_of` of expenses that are not private, and of private ones whose
# author's account was deleted (private to everyone from then on).
PUBLIC = uuid.UUID(int=0)
HIDDEN = uuid.UUID(int=(1 << 128) - 1)


class ExpenseMonthTotal(Base):
    """The count and sum of the live expenses (not in the trash) of one month and kind.

    Triggers on `expenses` (migration 0005) keep it exact for every write,
    whatever path it takes: forms, import, demo data, restore, category
    moves. Totals over whole months read these few rows instead of every
    expense, so the list's total, the dashboard, budgets and reports cost
    the same with ten years of history as with one month (see `reads/spans.py`).
    Rows are never removed when their count returns to zero: readers ignore
    those, and keeping them avoids a DELETE in the hot path.
    """

    __tablename__ = "expense_month_totals"
    __table_args__ = (
        CheckConstraint("expense_count >= 0", name="count_not_negative"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        {"info": DERIVED, "sqlite_with_rowid": False},
    )

    ledger_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ledgers.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[dt.date] = mapped_column(primary_key=True)  # its first day
    # CASCADE: a category can only be deleted once no expense uses it, and
    # then its rows here hold zeros.
    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )
    payment_method: Mapped[str] = mapped_column(String(PAYMENT_METHOD_MAX_LENGTH), primary_key=True)
    # Whose private expenses these are: PUBLIC for the expenses every member
    # sees in full, the author's id for their private ones (HIDDEN once the
    # author's account is gone). A private expense's payment method is shown
    # only to its author, so the totals by payment method must tell them apart.
    private_of: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    expense_count: Mapped[int]
    amount: Mapped[Decimal] = mapped_column("amount_cents")

    def __repr__(self) -> str:
        return f"<ExpenseMonthTotal {self.month:%Y-%m} {self.expense_count} {self.amount}>"
