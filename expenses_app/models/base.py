"""Declarative base, naming convention and the mixins every table shares."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, MetaData, Table, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry

from .types import Money, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Tables and columns marked so are computed from others by triggers: backups
# leave them out and a restore rebuilds them as the backup's rows go in.
DERIVED = {"derived": True}


def name_key(name: str) -> str:
    """The key a name is unique by, ignoring case and spacing (" Food " == "food").

    Fills the `name_key` columns of categories and tags and `users.username_key`,
    and every lookup by name goes through it, so a plain unique index is
    case-insensitive on both databases.
    """
    return " ".join(name.split()).casefold()


def stored_tables(metadata: MetaData) -> list[Table]:
    """The tables holding data of their own, parents first (what a backup writes)."""
    return [table for table in metadata.sorted_tables if not table.info.get("derived")]


def stored_columns(table: Table) -> list[Column]:
    """The columns of `table` that a backup writes: all but those triggers derive."""
    return [column for column in table.columns if not column.info.get("derived")]


class Base(DeclarativeBase):
    # Flask-SQLAlchemy 3.1 rejects a per-base type_annotation_map: give it to the registry.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            Decimal: Money,
            dt.datetime: UTCDateTime,
            uuid.UUID: Uuid,
        },
    )


class UUIDPk:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OwnedByLedger:
    """Rows that belong to one ledger; deleting the ledger deletes them.

    Every query for them goes through `scoping.py`, which admits only the
    ledgers the user is a member of.
    """

    @declared_attr
    def ledger_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("ledgers.id", ondelete="CASCADE"))


class SoftDeletable:
    """Rows that go to the trash first; `deleted_at` is set while they are there."""

    deleted_at: Mapped[dt.datetime | None]


class Versioned:
    """Optimistic locking: a save based on a stale copy fails instead of overwriting."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}
