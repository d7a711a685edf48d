"""The contract's CSV format, shared by export and import.

Header `date,amount,category,description,payment_method,tags,notes`; amounts
like `12.50`; tags joined with `;`; a text cell that a spreadsheet would read
as a formula gets a leading `'`, which import removes again.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models import Expense
from ..money import format_plain

HEADER = ("date", "amount", "category", "description", "payment_method", "tags", "notes")
TAG_SEPARATOR = ";"
# The contract names = + - @; tab, CR and NUL start formulas in some spreadsheets too.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\x00")


def escape_cell(text: str) -> str:
    """Defuse a text cell that would start a spreadsheet formula.

    A cell already starting with `'` is escaped too, so that import can tell
    the exporter's quote from the user's own and the round trip is exact.
    """
    return "'" + text if text.startswith((*FORMULA_PREFIXES, "'")) else text


def unescape_cell(text: str) -> str:
    """Undo `escape_cell`: remove exactly the one `'` the exporter added."""
    if text.startswith("'") and text[1:].startswith((*FORMULA_PREFIXES, "'")):
        return text[1:]
    return text


def expense_row(expense: Expense, category_name: str, tag_names: Sequence[str]) -> list[str]:
    """One CSV row for `expense`; amounts and dates stay plain (they never start a formula)."""
    return [
        expense.date.isoformat(),
        format_plain(expense.amount),
        escape_cell(category_name),
        escape_cell(expense.description),
        expense.payment_method,
        escape_cell(TAG_SEPARATOR.join(tag_names)),
        escape_cell(expense.notes or ""),
    ]
