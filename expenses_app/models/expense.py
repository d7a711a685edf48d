"""Expenses, their tags and receipts."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, OwnedByLedger, SoftDeletable, Timestamps, UUIDPk, Versioned
from .category import Category
from .user import User

# The contract's payment methods, in the order forms offer them, with how pages name them.
PAYMENT_METHOD_LABELS = {
    "cash": "Cash",
    "credit_card": "Credit card",
    "debit_card": "Debit card",
    "bank_transfer": "Bank transfer",
    "mobile_payment": "Mobile payment",
    "other": "Other",
}
PAYMENT_METHODS = tuple(PAYMENT_METHOD_LABELS)
PAYMENT_METHOD_MAX_LENGTH = 20
# Field limits shared by the columns, the forms and the CSV import.
DESCRIPTION_MAX_LENGTH = 200
# `notes` is TEXT; this keeps a note to what the form and the list can show.
NOTES_MAX_LENGTH = 5000
TAG_MAX_LENGTH = 40
TAGS_PER_EXPENSE = 20
RECEIPT_FILENAME_MAX_LENGTH = 255
MAX_AMOUNT = Decimal("9999999999.99")
LIVE = text("deleted_at IS NULL")


def payment_method_label(method: str) -> str:
    """`credit_card` -> `Credit card` (the `payment_method` filter); unknown values as they are."""
    return PAYMENT_METHOD_LABELS.get(method, method)


# Text-search indexes differ by database (pg_trgm GIN on PostgreSQL; on SQLite a
# covering partial index until migration 0006 replaced it with the tables of
# `expense_search.py`), so migration 0003 creates them by hand and Alembic's
# comparison leaves them out. So does it the PostgreSQL-only covering index of
# the monthly totals (migration 0010; SQLite's table is ordered by that key).
DIALECT_SPECIFIC_INDEXES = frozenset(
    {
        "ix_expenses_description_trgm",
        "ix_expenses_notes_trgm",
        "ix_expenses_search",
        "ix_expense_month_totals_covering",
    }
)


def live_index(name: str, *columns: str, postgresql_include: tuple[str, ...] = ()) -> Index:
    """A partial index over expenses outside the trash (migrations 0003, 0004, 0008).

    Each one serves a sort order of the list with the columns the list's
    queries read, so paging and totals run on the index alone, deep pages too.
    `deleted_at` closes the list: always NULL here, but without it SQLite
    does not see the index as covering and prefers a plain one.
    """
    return Index(
        name,
        *columns,
        "deleted_at",
        sqlite_where=LIVE,
        postgresql_where=LIVE,
        postgresql_include=list(postgresql_include),
    )


expense_tags = Table(
    "expense_tags",
    Base.metadata,
    Column("expense_id", ForeignKey("expenses.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # The primary key serves expense -> tags; this serves the tag filter.
    Index(None, "tag_id", "expense_id"),
)


class Expense(UUIDPk, OwnedByLedger, SoftDeletable, Timestamps, Versioned, Base):
    __tablename__ = "expenses"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(f"amount_cents <= {int(MAX_AMOUNT * 100)}", name="amount_max"),
        CheckConstraint(
            "payment_method IN (" + ", ".join(f"'{m}'" for m in PAYMENT_METHODS) + ")",
            name="payment_method_valid",
        ),
        Index(None, "ledger_id", "date"),
        Index(None, "ledger_id", "amount_cents"),
        # Who added what: account deletion and the "added by" filter of a member.
        Index(None, "user_id"),
        live_index(
            "ix_expenses_live_date",
            "ledger_id",
            "date",
            "created_at",
            "id",
            "amount_cents",
            "payment_method",
            "category_id",  # migration 0004: per-category totals over a date range
        ),
        # PostgreSQL only (migration 0008): one category's page in amount order
        # filters on the index alone. SQLite, which has no statistics, would
        # take a wider key for the filtered count too, and be slower there.
        live_index(
            "ix_expenses_live_amount",
            "ledger_id",
            "amount_cents",
            "date",
            "id",
            postgresql_include=("category_id",),
        ),
        live_index("ix_expenses_live_description", "ledger_id", "description", "date", "id"),
        live_index(
            "ix_expenses_live_category",
            "ledger_id",
            "category_id",
            "date",
            "created_at",
            "id",
            "amount_cents",
        ),
    )

    # Who added it: the one member who may change a private expense. NULL once
    # their account is deleted (the expense stays in the ledger).
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Counted in every total of the ledger, but shown to other members masked
    # (date, amount and category only; see `reads/privacy.py`).
    private: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Exact money: whole cents in the column, Decimal in Python (see types.Money).
    amount: Mapped[Decimal] = mapped_column("amount_cents")
    date: Mapped[dt.date]
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX_LENGTH))
    payment_method: Mapped[str] = mapped_column(String(PAYMENT_METHOD_MAX_LENGTH), default="other")
    notes: Mapped[str | None] = mapped_column(Text)
    # RESTRICT: a category in use cannot vanish and take its expenses with it.
    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )

    category: Mapped[Category] = relationship(back_populates="expenses", lazy="raise_on_sql")
    author: Mapped[User | None] = relationship(lazy="raise_on_sql")
    tags: Mapped[list[Tag]] = relationship(
        secondary=expense_tags,
        back_populates="expenses",
        lazy="raise_on_sql",
        order_by="Tag.name_key",
        passive_deletes=True,
    )
    receipt: Mapped[Receipt | None] = relationship(
        back_populates="expense",
        lazy="raise_on_sql",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    # What `reads/privacy.py` sets on the copy another member sees instead.
    masked: ClassVar[bool] = False

    @property
    def added_by(self) -> str | None:
        """The username of the member who added it (`author` must be loaded)."""
        return None if self.author is None else self.author.username

    def __repr__(self) -> str:
        return f"<Expense {self.date} {self.amount} {self.description!r}>"

    # Issue 14: the recurring rule that posted it and for which of its dates (see
    # models/recurring.py). The rule may go; the expense stays, unlinked.
    recurring_rule_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("recurring_rules.id", ondelete="SET NULL"), index=True
    )
    occurrence_date: Mapped[dt.date | None]


TAG_MAX_LENGTH = 40


class Tag(UUIDPk, OwnedByLedger, Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("ledger_id", "name_key"),)

    name: Mapped[str] = mapped_column(String(TAG_MAX_LENGTH))
    # base.name_key(name): unique per ledger.
    name_key: Mapped[str] = mapped_column(String(TAG_MAX_LENGTH))

    expenses: Mapped[list[Expense]] = relationship(
        secondary=expense_tags,
        back_populates="tags",
        lazy="raise_on_sql",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


class Receipt(UUIDPk, OwnedByLedger, Timestamps, Base):
    """A receipt file, kept in the database so backups and several app servers see it."""

    __tablename__ = "receipts"
    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        Index(None, "ledger_id"),
    )

    expense_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("expenses.id", ondelete="CASCADE"), unique=True
    )
    # The name the user uploaded: shown and offered on download, never used as a path.
    filename: Mapped[str] = mapped_column(String(RECEIPT_FILENAME_MAX_LENGTH))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    expense: Mapped[Expense] = relationship(back_populates="receipt", lazy="raise_on_sql")
