"""Budgets: a spending limit per period, overall or for one category."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, OwnedByLedger, Timestamps, UUIDPk, Versioned
from .category import Category
from .expense import MAX_AMOUNT

PERIODS = ("weekly", "monthly", "yearly")


class Budget(UUIDPk, OwnedByLedger, Timestamps, Versioned, Base):
    __tablename__ = "budgets"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(f"amount_cents <= {int(MAX_AMOUNT * 100)}", name="amount_max"),
        CheckConstraint(
            "period IN (" + ", ".join(f"'{p}'" for p in PERIODS) + ")",
            name="period_valid",
        ),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        Index(None, "ledger_id"),
    )

    amount: Mapped[Decimal] = mapped_column("amount_cents")
    period: Mapped[str] = mapped_column(String(10))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    # No category means "all spending". Deleting the category deletes its budgets:
    # a per-category budget means nothing without the category.
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), index=True
    )

    category: Mapped[Category | None] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Budget {self.period} {self.amount}>"
