"""All models, imported here so metadata (and Alembic) sees every table."""

from .base import (
    Base,
    OwnedByUser,
    SoftDeletable,
    Timestamps,
    UUIDPk,
    Versioned,
    name_key,
    stored_columns,
    stored_tables,
)
from .budget import PERIODS, Budget
from .category import Category
from .expense import (
    MAX_AMOUNT,
    PAYMENT_METHODS,
    TAG_MAX_LENGTH,
    Expense,
    Receipt,
    Tag,
    expense_tags,
)
from .expense_search import SearchRow
from .month_total import ExpenseMonthTotal
from .rate_limit import RateLimitCounter
from .types import Money, UTCDateTime, utcnow
from .user import User, UserSession

__all__ = [
    "MAX_AMOUNT",
    "PAYMENT_METHODS",
    "PERIODS",
    "TAG_MAX_LENGTH",
    "Base",
    "Budget",
    "Category",
    "Expense",
    "ExpenseMonthTotal",
    "Money",
    "OwnedByUser",
    "RateLimitCounter",
    "Receipt",
    "SearchRow",
    "SoftDeletable",
    "Tag",
    "Timestamps",
    "UTCDateTime",
    "UUIDPk",
    "Versioned",
    "User",
    "UserSession",
    "expense_tags",
    "name_key",
    "stored_columns",
    "stored_tables",
    "utcnow",
]
