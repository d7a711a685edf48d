"""Categories: each ledger's own way of sorting spending."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from .base import Base, OwnedByLedger, Timestamps, UUIDPk, Versioned

if TYPE_CHECKING:
    from .expense import Expense

# Field limits shared by the column, the form and the CSV import.
CATEGORY_NAME_MAX_LENGTH = 50
ICON_MAX_LENGTH = 16
# `description` is TEXT; the form keeps it to a paragraph.
CATEGORY_DESCRIPTION_MAX_LENGTH = 500
DEFAULT_COLOR = "#64748b"
# `#rrggbb`, the contract's colour format: what the form accepts and charts draw.
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def is_hex_color(text: str | None) -> bool:
    """Whether `text` is a colour like `#1a2b3c` (either case), and nothing more."""
    return text is not None and _HEX_COLOR.fullmatch(text) is not None


class Category(UUIDPk, OwnedByLedger, Timestamps, Versioned, Base):
    __tablename__ = "categories"
    __table_args__ = (
        # Also serves "the ledger's categories" lookups: no separate ledger_id index.
        UniqueConstraint("ledger_id", "name_key"),
        CheckConstraint("length(color) = 7", name="color_hex"),
    )

    name: Mapped[str] = mapped_column(String(CATEGORY_NAME_MAX_LENGTH))
    # base.name_key(name): unique per ledger, so "Food" and "food" cannot coexist.
    name_key: Mapped[str] = mapped_column(String(CATEGORY_NAME_MAX_LENGTH))
    description: Mapped[str | None] = mapped_column(Text)
    color: Mapped[str] = mapped_column(String(7), default=DEFAULT_COLOR)
    icon: Mapped[str | None] = mapped_column(String(ICON_MAX_LENGTH))
    is_default: Mapped[bool] = mapped_column(default=False)

    expenses: WriteOnlyMapped[Expense] = relationship(
        back_populates="category", passive_deletes="all"
    )

    def __repr__(self) -> str:
        return f"<Category {self.name}>"
