"""CSV import: parse a whole file in the export's format, then add it in one go.

All-or-nothing: `parse_csv` reads every line and raises CsvImportError
listing each bad one by line number, so nothing is written unless every row
is valid. `import_expenses` (csv_import_store.py) then skips rows the user
already has and adds the rest.

A file is often 10,000 lines or more with a few distinct dates, categories,
payment methods and tag lists, so those cells are converted and checked once
per distinct text; amounts go straight to whole cents.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from ..form_base import has_control_characters
from ..models import (
    CATEGORY_NAME_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    PAYMENT_METHODS,
    TAG_MAX_LENGTH,
    TAGS_PER_EXPENSE,
    name_key,
)
from ..money import AmountError, parse_cents
from .csv_format import HEADER, TAG_SEPARATOR, unescape_cell
from .services import split_tags

MAX_ROWS = 50_000
# Larger than any valid cell; a longer one is reported instead of exhausting memory.
FIELD_SIZE_LIMIT = 100_000
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Fingerprint = tuple[dt.date, int, str, str]


class CsvImportError(Exception):
    """The file cannot be imported; `problems` says why, one line each, for the user."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("; ".join(problems[:3]))
        self.problems = list(problems)


class ImportRow(NamedTuple):
    """One valid CSV line, converted (a tuple: ten thousand of them are made per file)."""

    line: int
    date: dt.date
    amount_cents: int
    category: str
    description: str
    payment_method: str
    tags: tuple[str, ...]
    notes: str | None
    category_key: str

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents).scaleb(-2)

    @property
    def fingerprint(self) -> Fingerprint:
        """What makes two expenses duplicates: date, amount, category, description."""
        return (self.date, self.amount_cents, self.category_key, self.description)


def decode_csv(data: bytes, *, max_bytes: int) -> str:
    """The text of an uploaded file: UTF-8 (a BOM is accepted), not empty, not too large."""
    if len(data) > max_bytes:
        raise CsvImportError([f"The file is larger than {_size(max_bytes)}: split it."])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvImportError(
            [
                f"The file is not UTF-8 text (bad byte at position {exc.start}). "
                "Save it as “CSV UTF-8” and try again."
            ]
        ) from None
    if not text.strip():
        raise CsvImportError(["The file is empty."])
    return text


def parse_csv(text: str) -> list[ImportRow]:
    """Every row of `text`, or CsvImportError naming every bad line and why."""
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        _check_header(next(reader, None))
    except csv.Error:
        _check_header(None)
    cells_reader = _RowReader(has_controls=has_control_characters(text))
    rows: list[ImportRow] = []
    problems: list[str] = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not (cells and cells[0].strip()) and not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(problems) >= MAX_ROWS:
                raise CsvImportError([f"The file has more than {MAX_ROWS:,} rows: split it."])
            row = cells_reader.row(line, cells)
            if isinstance(row, ImportRow):
                rows.append(row)
            else:
                problems.append(f"Line {line}: {'; '.join(row)}.")
    except csv.Error as exc:
        problems.append(f"Line {start}: this is not valid CSV ({exc}); reading stopped here.")
    if problems:
        raise CsvImportError(problems)
    if not rows:
        raise CsvImportError(["The file has a header but no expenses."])
    return rows


def _size(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.3g} MB"
    return f"{n_bytes / 1024:.3g} KB"


def _check_header(cells: list[str] | None) -> None:
    found = [cell.strip() for cell in cells or []]
    if tuple(found) != HEADER:
        raise CsvImportError(
            [
                f"Line 1: the header must be exactly “{','.join(HEADER)}”, "
                f"not “{','.join(found)[:200]}”."
            ]
        )


class _RowReader:
    """Converts and checks lines; each distinct date, category, method and tag list once."""

    def __init__(self, *, has_controls: bool) -> None:
        # The forms refuse control characters (and PostgreSQL cannot store NUL),
        # so an imported expense could not be saved again from its edit form.
        # A file without any, the usual case, skips looking for them cell by cell.
        self.has_controls = has_controls
        self.dates: dict[str, tuple[dt.date | None, str | None]] = {}
        self.categories: dict[str, tuple[str, str, str | None]] = {}
        self.methods: dict[str, tuple[str, str | None]] = {}
        self.tags: dict[str, tuple[tuple[str, ...], list[str]]] = {}

    def row(self, line: int, cells: list[str]) -> ImportRow | list[str]:
        """The converted row, or why the line is refused."""
        if len(cells) != len(HEADER):
            return [f"expected {len(HEADER)} fields, found {len(cells)}"]
        raw_date, raw_amount, raw_category, raw_description, raw_method, raw_tags, notes = cells
        reasons = []
        if self.has_controls:
            reasons.extend(
                f"the {name} field contains control characters"
                for name, cell in zip(HEADER, cells, strict=True)
                if has_control_characters(cell)
            )
        date, problem = self.dates.get(raw_date) or self._date(raw_date)
        if problem:
            reasons.append(problem)
        try:
            cents = parse_cents(raw_amount)
        except AmountError as exc:
            cents = 0
            reasons.append(f"amount “{raw_amount.strip()[:20]}”: {str(exc).rstrip('.')}")
        category, key, problem = self.categories.get(raw_category) or self._category(raw_category)
        if problem:
            reasons.append(problem)
        description = unescape_cell(raw_description)
        if not description.strip():
            reasons.append("the description is missing")
        elif len(description) > DESCRIPTION_MAX_LENGTH:
            reasons.append(f"the description is longer than {DESCRIPTION_MAX_LENGTH} characters")
        method, problem = self.methods.get(raw_method) or self._method(raw_method)
        if problem:
            reasons.append(problem)
        tags, problems = self.tags.get(raw_tags) or self._tags(raw_tags)
        notes = unescape_cell(notes)
        if len(notes) > NOTES_MAX_LENGTH:
            reasons.append(f"the notes are longer than {NOTES_MAX_LENGTH} characters")
        if reasons or problems or date is None:
            return reasons + problems
        notes = notes or None
        return ImportRow(line, date, cents, category, description, method, tags, notes, key)

    def _date(self, raw: str) -> tuple[dt.date | None, str | None]:
        """An ISO date cell, or why it is not one (the format first, then the calendar)."""
        text = raw.strip()
        if not _ISO_DATE.match(text):
            result = None, f"the date must look like 2024-01-31, not “{text[:20]}”"
        else:
            try:
                result = dt.date.fromisoformat(text), None
            except ValueError:
                result = None, f"{text} is not a real date"
        self.dates[raw] = result
        return result

    def _category(self, raw: str) -> tuple[str, str, str | None]:
        name = " ".join(unescape_cell(raw).split())
        problem = None
        if not name:
            problem = "the category is missing"
        elif len(name) > CATEGORY_NAME_MAX_LENGTH:
            problem = f"the category is longer than {CATEGORY_NAME_MAX_LENGTH} characters"
        result = self.categories[raw] = name, name_key(name), problem
        return result

    def _method(self, raw: str) -> tuple[str, str | None]:
        method = unescape_cell(raw).strip() or "other"
        problem = None
        if method not in PAYMENT_METHODS:
            problem = f"the payment method must be one of {', '.join(PAYMENT_METHODS)}"
        result = self.methods[raw] = method, problem
        return result

    def _tags(self, raw: str) -> tuple[tuple[str, ...], list[str]]:
        tags = tuple(split_tags(unescape_cell(raw), TAG_SEPARATOR))
        problems = []
        if any(len(tag) > TAG_MAX_LENGTH for tag in tags):
            problems.append(f"a tag is longer than {TAG_MAX_LENGTH} characters")
        if len(tags) > TAGS_PER_EXPENSE:
            problems.append(f"more than {TAGS_PER_EXPENSE} tags")
        result = self.tags[raw] = tags, problems
        return result
