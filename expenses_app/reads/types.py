"""What the read package takes and gives: plain values, no ORM objects, no SQL.

Routes, services and templates depend on these types; only the read
package knows how they are computed (and that some come from derived tables).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from ..money import ZERO


@dataclass(frozen=True)
class Span:
    """Inclusive dates (None: unbounded), optionally one category and one payment method."""

    start: dt.date | None = None
    end: dt.date | None = None
    category_id: uuid.UUID | None = None
    payment_method: str | None = None


class SpanTotal(NamedTuple):
    """How many live expenses a span holds and what they add up to."""

    count: int
    total: Decimal


NO_SPENDING = SpanTotal(0, ZERO)


class ListedCategory(NamedTuple):
    name: str
    color: str
    icon: str | None


class ListedTag(NamedTuple):
    name: str


class ListedExpense(NamedTuple):
    """What a row of the list shows: read as plain rows, not as ORM objects.

    Named tuples, as a page builds twenty of them with their category and tags
    from one SELECT's rows; the list only displays them.
    """

    id: uuid.UUID
    date: dt.date
    description: str
    payment_method: str
    amount: Decimal
    category: ListedCategory
    tags: tuple[ListedTag, ...]
    has_receipt: bool
    # Who added it (None once their account is gone) and whether it is private:
    # `privacy.shown_to` masks it for everyone else.
    user_id: uuid.UUID | None = None
    private: bool = False
    added_by: str | None = None
    masked: bool = False


@dataclass(frozen=True)
class ExpensePage:
    """One page of the list plus the count and total of everything the filter matches."""

    expenses: list[ListedExpense]
    count: int
    total: Decimal
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))


@dataclass(frozen=True)
class GroupTotal:
    """One group's spending: `key` is what the CSV writes, `color` only for categories."""

    key: str
    total: Decimal
    count: int
    color: str | None = None


@dataclass(frozen=True, slots=True)
class RecentExpense:
    """A line of the recent expenses on the dashboard."""

    id: uuid.UUID
    date: dt.date
    description: str
    amount: Decimal
    category: ListedCategory
    user_id: uuid.UUID | None = None
    private: bool = False
    masked: bool = False


@dataclass(frozen=True)
class Overview:
    """The dashboard's spending: per month of the trend, per category of one month,
    and in each budget window."""

    by_month: dict[str, Decimal]  # `YYYY-MM`: months without spending left out
    by_category: list[GroupTotal]  # largest first, then by name
    spent: list[Decimal]  # in each budget window, in order
