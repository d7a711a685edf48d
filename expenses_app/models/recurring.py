"""Recurring expenses (issue 14): rules that post an expense on every date of their schedule.

Exactly once per rule and date: `recurring_occurrences` holds one row per
occurrence that was posted or skipped, and its unique (rule, date) key is the
guarantee, whoever posts and however many at once. The row is not tied to the
expense it posted, so editing, trashing or deleting that expense never makes
the occurrence due again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, OwnedByLedger, Timestamps, UUIDPk, Versioned
from .category import Category
from .expense import (
    DESCRIPTION_MAX_LENGTH,
    MAX_AMOUNT,
    PAYMENT_METHOD_MAX_LENGTH,
    PAYMENT_METHODS,
)
from .types import utcnow

FREQUENCIES = ("daily", "weekly", "monthly", "yearly")
MODES = ("auto", "confirm")
OCCURRENCE_STATUSES = ("posted", "skipped")
MAX_INTERVAL = 99
# The rule's tags as typed ("rent, home"), resolved to the ledger's tags at each posting.
RULE_TAGS_MAX_LENGTH = 1000


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")", name=name)


class RecurringRule(UUIDPk, OwnedByLedger, Timestamps, Versioned, Base):
    """An expense template and its schedule; `next_date` is the first date not yet decided."""

    __tablename__ = "recurring_rules"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(f"amount_cents <= {int(MAX_AMOUNT * 100)}", name="amount_max"),
        _one_of("payment_method", PAYMENT_METHODS, "payment_method_valid"),
        _one_of("frequency", FREQUENCIES, "frequency_valid"),
        _one_of("mode", MODES, "mode_valid"),
        CheckConstraint(f"step BETWEEN 1 AND {MAX_INTERVAL}", name="interval_range"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        # Every page of a ledger asks for its earliest due auto rule (in the login query).
        Index(None, "ledger_id", "mode", "next_date"),
    )

    # Who set it up: the posted expenses are theirs (and private to them when `private`).
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    amount: Mapped[Decimal] = mapped_column("amount_cents")
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX_LENGTH))
    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    payment_method: Mapped[str] = mapped_column(String(PAYMENT_METHOD_MAX_LENGTH))
    tags: Mapped[str] = mapped_column(String(RULE_TAGS_MAX_LENGTH), default="")
    notes: Mapped[str | None] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(default=False)
    frequency: Mapped[str] = mapped_column(String(10))
    # Every `interval` days, weeks, months or years ("interval" is an SQL type name).
    interval: Mapped[int] = mapped_column("step", default=1)
    start_date: Mapped[dt.date]
    # Inclusive: an occurrence on it is posted.
    end_date: Mapped[dt.date | None]
    mode: Mapped[str] = mapped_column(String(10), default="auto")
    # The first occurrence neither posted nor skipped; NULL once the schedule is over.
    next_date: Mapped[dt.date | None]

    category: Mapped[Category] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<RecurringRule {self.frequency}/{self.interval} {self.description!r}>"


class RecurringOccurrence(UUIDPk, OwnedByLedger, Base):
    """One date of a rule that was posted or skipped: never posted (again) after this row."""

    __tablename__ = "recurring_occurrences"
    __table_args__ = (
        UniqueConstraint("rule_id", "occurrence_date"),
        _one_of("status", OCCURRENCE_STATUSES, "status_valid"),
        Index(None, "ledger_id"),
    )

    # Deleting the rule deletes these; the expenses it posted stay (their link is set NULL).
    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recurring_rules.id", ondelete="CASCADE"))
    occurrence_date: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
