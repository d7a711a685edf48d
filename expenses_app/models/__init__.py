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
from .category import (
    CATEGORY_DESCRIPTION_MAX_LENGTH,
    CATEGORY_NAME_MAX_LENGTH,
    DEFAULT_COLOR,
    ICON_MAX_LENGTH,
    Category,
    is_hex_color,
)
from .expense import (
    DESCRIPTION_MAX_LENGTH,
    MAX_AMOUNT,
    NOTES_MAX_LENGTH,
    PAYMENT_METHOD_LABELS,
    PAYMENT_METHODS,
    RECEIPT_FILENAME_MAX_LENGTH,
    TAG_MAX_LENGTH,
    TAGS_PER_EXPENSE,
    Expense,
    Receipt,
    Tag,
    expense_tags,
    payment_method_label,
)
from .expense_search import SearchRow
from .month_total import ExpenseMonthTotal
from .rate_limit import RateLimitCounter
from .types import Money, UTCDateTime, utcnow
from .user import (
    EMAIL_MAX_LENGTH,
    FULL_NAME_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    USERNAME_MIN_LENGTH,
    User,
    UserSession,
)

__all__ = [
    "CATEGORY_DESCRIPTION_MAX_LENGTH",
    "CATEGORY_NAME_MAX_LENGTH",
    "DEFAULT_COLOR",
    "DESCRIPTION_MAX_LENGTH",
    "EMAIL_MAX_LENGTH",
    "FULL_NAME_MAX_LENGTH",
    "ICON_MAX_LENGTH",
    "MAX_AMOUNT",
    "NOTES_MAX_LENGTH",
    "PAYMENT_METHODS",
    "PAYMENT_METHOD_LABELS",
    "PERIODS",
    "RECEIPT_FILENAME_MAX_LENGTH",
    "TAGS_PER_EXPENSE",
    "TAG_MAX_LENGTH",
    "USERNAME_MAX_LENGTH",
    "USERNAME_MIN_LENGTH",
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
    "is_hex_color",
    "name_key",
    "payment_method_label",
    "stored_columns",
    "stored_tables",
    "utcnow",
]
