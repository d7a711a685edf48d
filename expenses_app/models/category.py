"""Categories: each user's own way of sorting spending."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from .base import Base, OwnedByUser, Timestamps, UUIDPk, Versioned

if TYPE_CHECKING:
    from .expense import Expense


class Category(UUIDPk, OwnedByUser, Timestamps, Versioned, Base):
    __tablename__ = "categories"
    __table_args__ = (
        # Also serves "the user's categories" lookups: no separate user_id index.
        UniqueConstraint("user_id", "name_key"),
        CheckConstraint("length(color) = 7", name="color_hex"),
    )

    name: Mapped[str] = mapped_column(String(50))
    # casefold()ed name: unique per user, so "Food" and "food" cannot coexist.
    name_key: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(Text)
    color: Mapped[str] = mapped_column(String(7), default="#64748b")
    icon: Mapped[str | None] = mapped_column(String(16))
    is_default: Mapped[bool] = mapped_column(default=False)

    expenses: WriteOnlyMapped[Expense] = relationship(
        back_populates="category", passive_deletes="all"
    )

    def __repr__(self) -> str:
        return f"<Category {self.name}>"
