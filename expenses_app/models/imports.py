"""Bank statement imports (issue 13): a batch per uploaded file, its parsed lines, the
saved mappings (profiles) and the categories remembered per description."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, OwnedByLedger, Timestamps, UUIDPk

IMPORT_STATUSES = ("draft", "committed", "undone")
IMPORT_KINDS = ("csv", "ofx", "qif")
LINE_STATUSES = ("new", "duplicate", "possible_duplicate", "income", "error")
IMPORT_FILENAME_MAX_LENGTH = 255
PROFILE_NAME_MAX_LENGTH = 100
REFERENCE_MAX_LENGTH = 255
# The key a description is remembered by (name_key of its first 200 characters).
CHOICE_KEY_MAX_LENGTH = 200


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


class ImportProfile(UUIDPk, OwnedByLedger, Timestamps, Base):
    """A saved CSV mapping, applied to the next file of the ledger with the same header line."""

    __tablename__ = "import_profiles"
    __table_args__ = (UniqueConstraint("ledger_id", "header_sha256"),)

    name: Mapped[str] = mapped_column(String(PROFILE_NAME_MAX_LENGTH))
    header: Mapped[str] = mapped_column(Text)
    # SHA-256 of `header`: what the next file's header lines are looked up by.
    header_sha256: Mapped[str] = mapped_column(String(64))
    # The mapping as JSON (encoding, delimiter, skip_lines, roles, formats, sign).
    settings: Mapped[str] = mapped_column(Text)


class ImportBatch(UUIDPk, OwnedByLedger, Timestamps, Base):
    """One uploaded statement file, from upload to commit, undo or discard."""

    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint(_one_of("status", IMPORT_STATUSES), name="status_valid"),
        CheckConstraint(_one_of("kind", IMPORT_KINDS), name="kind_valid"),
        Index(None, "ledger_id", "created_at"),
        # The SET NULL when an account is deleted.
        Index(None, "user_id"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The name the user uploaded: shown, never used as a path.
    filename: Mapped[str] = mapped_column(String(IMPORT_FILENAME_MAX_LENGTH))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    profile_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("import_profiles.id", ondelete="SET NULL"), index=True
    )
    # The mapping in use (JSON), None while a CSV's columns are not known yet.
    settings: Mapped[str | None] = mapped_column(Text)
    row_count: Mapped[int] = mapped_column(default=0)
    added_count: Mapped[int] = mapped_column(default=0)
    committed_at: Mapped[dt.datetime | None]
    # The uploaded bytes, kept in the database as receipts are, until commit or discard.
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class ImportLine(OwnedByLedger, Base):
    """One transaction of a batch as read from the file, with what the review decided."""

    __tablename__ = "import_lines"
    __table_args__ = (
        CheckConstraint(_one_of("status", LINE_STATUSES), name="status_valid"),
        Index(None, "ledger_id", "reference"),
    )

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), primary_key=True
    )
    # The line in the file (from 1); for OFX and QIF the transaction's position.
    line: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date | None]
    # Signed as the money moves for the ledger: positive is spent.
    amount: Mapped[Decimal | None] = mapped_column("amount_cents")
    description: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[str | None] = mapped_column(Text)
    category_name: Mapped[str | None] = mapped_column(String(200))
    # The bank's id of the transaction (OFX FITID or a mapped column).
    reference: Mapped[str | None] = mapped_column(String(REFERENCE_MAX_LENGTH))
    error: Mapped[str | None] = mapped_column(Text)
    # The pre-selected category and the expense a (possible) duplicate matches.
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    match_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("expenses.id", ondelete="SET NULL"), index=True
    )
    # The expense this line added at commit: its import, and what undo trashes.
    expense_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("expenses.id", ondelete="SET NULL"), index=True
    )


class ImportChoice(UUIDPk, OwnedByLedger, Base):
    """The category last chosen at a commit for a normalised description or payee."""

    __tablename__ = "import_choices"
    __table_args__ = (UniqueConstraint("ledger_id", "text_key"),)

    text_key: Mapped[str] = mapped_column(String(CHOICE_KEY_MAX_LENGTH))
    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), index=True
    )
    updated_at: Mapped[dt.datetime]
