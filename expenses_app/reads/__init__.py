"""Every read of expenses and totals that needs speed, behind a few typed functions.

Routes and services call only what is listed here; nothing outside this
package builds these statements or knows about the derived tables they read
(the monthly totals, SQLite's search index: see `expenses_app/derived/`). Each function
of `API` has a plain twin of the same name in `reference.py`, and
`tests/test_reads_twin.py` asserts that both give the same answers.
"""

from .filters import DEFAULT_PER_PAGE, MAX_PER_PAGE, ExpenseFilters, parse_page
from .listing import expense_page, export_expenses
from .spans import span_totals
from .totals import GROUPS, RECENT_LIMIT, group_totals, overview, recent_expenses, untagged_total
from .types import (
    NO_SPENDING,
    ExpensePage,
    GroupTotal,
    ListedCategory,
    ListedExpense,
    ListedTag,
    Overview,
    RecentExpense,
    Span,
    SpanTotal,
)

# The functions the twin test runs against `reference.py`.
API = (
    "expense_page",
    "export_expenses",
    "span_totals",
    "group_totals",
    "untagged_total",
    "overview",
    "recent_expenses",
)

__all__ = [
    "API",
    "DEFAULT_PER_PAGE",
    "GROUPS",
    "MAX_PER_PAGE",
    "NO_SPENDING",
    "RECENT_LIMIT",
    "ExpenseFilters",
    "ExpensePage",
    "GroupTotal",
    "ListedCategory",
    "ListedExpense",
    "ListedTag",
    "Overview",
    "RecentExpense",
    "Span",
    "SpanTotal",
    "expense_page",
    "export_expenses",
    "group_totals",
    "overview",
    "parse_page",
    "recent_expenses",
    "span_totals",
    "untagged_total",
]
