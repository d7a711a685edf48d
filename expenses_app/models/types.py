"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """Exact money: a `Decimal` in Python, whole cents (BIGINT) in the database.

    SQLite gives NUMERIC columns floating-point affinity, so `SUM` over
    0.10 + 0.20 exceeds 0.30 there. Integers are exact on both databases, and
    `SUM`, `MIN`, `MAX` and comparisons keep working in SQL; only `AVG` needs
    care (it returns a fraction of cents).
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        """Whole cents; a float or a fraction of a cent is refused, never rounded."""
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be a Decimal or int, never a float")
        amount = Decimal(value)
        cents = amount * 100
        if cents != cents.to_integral_value():
            raise ValueError(f"{amount} has more than two decimal places")
        return int(cents)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(CENT)

    @property
    def python_type(self) -> type:
        return Decimal


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both databases.

    SQLite drops offsets, so values are stored as naive UTC there and handed
    back aware; PostgreSQL stores `timestamptz`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """The current instant, aware, in UTC (a callable default, never a value at import)."""
    return dt.datetime.now(dt.UTC)
