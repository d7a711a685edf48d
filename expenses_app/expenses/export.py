"""CSV export: the contract's format, written batch by batch as the rows arrive."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

from ..reads import ExpenseFilters, export_expenses
from ..scoping import Scope
from .csv_format import HEADER, expense_row


def export_filename(today: dt.date) -> str:
    return f"expenses-{today.isoformat()}.csv"


def csv_chunks(scope: Scope, filters: ExpenseFilters) -> Iterator[str]:
    """The export as text chunks: the header, then one chunk per batch of rows.

    Only one batch is in memory at a time, so a long history streams in
    constant memory. The csv module quotes commas, quotes and newlines
    (RFC 4180); `expense_row` defuses formulas.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield _drain(buffer)
    for batch in export_expenses(scope, filters):
        for expense in batch:
            writer.writerow(
                expense_row(expense, expense.category.name, [tag.name for tag in expense.tags])
            )
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
