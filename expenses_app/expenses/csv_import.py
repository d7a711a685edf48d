"""CSV import: parse a whole file in the export's format, then add it in one go.

All-or-nothing: `parse_csv` reads every line and raises CsvImportError
listing each bad one by line number, so nothing is written unless every row
is valid. `import_expenses` skips rows the user already has, creates unknown
categories and inserts the rest in bulk; the caller commits once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, insert, select

from ..categories.services import DEFAULT_COLOR, category_key
from ..extensions import db
from ..models import PAYMENT_METHODS, Category, Expense, expense_tags
from ..money import AmountError, parse_amount
from ..scoping import owned
from .csv_format import HEADER, TAG_SEPARATOR, unescape_cell
from .services import TAG_MAX_LENGTH, TAGS_PER_EXPENSE, resolve_tags, split_tags, tag_key

MAX_ROWS = 50_000
# Larger than any valid cell; a longer one is reported instead of exhausting memory.
FIELD_SIZE_LIMIT = 100_000
CATEGORY_MAX_LENGTH = 50
DESCRIPTION_MAX_LENGTH = 200
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")

Fingerprint = tuple[dt.date, Decimal, str, str]


class CsvImportError(Exception):
    """The file cannot be imported; `problems` says why, one line each, for the user."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("; ".join(problems[:3]))
        self.problems = list(problems)


@dataclass(frozen=True)
class ImportRow:
    """One valid CSV line, converted."""

    line: int
    date: dt.date
    amount: Decimal
    category: str
    description: str
    payment_method: str
    tags: tuple[str, ...]
    notes: str | None
    category_key: str

    @property
    def fingerprint(self) -> Fingerprint:
        return (self.date, self.amount, self.category_key, self.description)


@dataclass(frozen=True)
class ImportSummary:
    imported: int
    skipped: int
    categories_created: list[str]


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
    rows: list[ImportRow] = []
    problems: list[str] = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(problems) >= MAX_ROWS:
                raise CsvImportError([f"The file has more than {MAX_ROWS:,} rows: split it."])
            row, reasons = _parse_row(line, cells)
            if reasons:
                problems.append(f"Line {line}: {'; '.join(reasons)}.")
            else:
                rows.append(row)
    except csv.Error as exc:
        problems.append(f"Line {start}: this is not valid CSV ({exc}); reading stopped here.")
    if problems:
        raise CsvImportError(problems)
    if not rows:
        raise CsvImportError(["The file has a header but no expenses."])
    return rows


def import_expenses(user_id: uuid.UUID, rows: Sequence[ImportRow]) -> ImportSummary:
    """Add `rows` for the user, skipping those already there. Does not commit.

    A row is a duplicate when the user has an expense (outside the trash) with
    the same date, amount, category and description. Identical lines within
    one file are all kept: the k-th copy is skipped only when the user already
    has at least k such expenses, so importing the same file again adds nothing.
    """
    _one_import_at_a_time(user_id)
    existing = _existing_fingerprints(user_id, rows)
    seen: Counter[Fingerprint] = Counter()
    new_rows = []
    for row in rows:
        seen[row.fingerprint] += 1
        if seen[row.fingerprint] > existing[row.fingerprint]:
            new_rows.append(row)
    category_ids, created = _resolve_categories(user_id, new_rows)
    tag_ids = _resolve_tags(user_id, new_rows)
    _insert(user_id, new_rows, category_ids, tag_ids)
    return ImportSummary(len(new_rows), len(rows) - len(new_rows), created)


def _one_import_at_a_time(user_id: uuid.UUID) -> None:
    """Wait for the user's other import, if any, to commit or roll back.

    Two imports of the same file at once (a double-clicked submit, two tabs)
    must not both find its rows missing. SQLite's BEGIN IMMEDIATE already runs
    them one after the other; on PostgreSQL a transaction-scoped advisory lock
    per user does, and the next statement then sees the other import's rows.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        # Advisory lock keys are signed 64-bit: the top 63 bits of the id.
        db.session.execute(select(func.pg_advisory_xact_lock(user_id.int >> 65)))


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


def _parse_row(line: int, cells: list[str]) -> tuple[ImportRow | None, list[str]]:
    if len(cells) != len(HEADER):
        return None, [f"expected {len(HEADER)} fields, found {len(cells)}"]
    # PostgreSQL cannot store NUL in text, and no real expense contains one.
    reasons = ["a field contains a NUL character"] if any("\x00" in c for c in cells) else []
    raw_date, raw_amount, *texts = cells
    category, description, payment_method, tags_text, notes = map(unescape_cell, texts)
    date = _parse_date(raw_date.strip(), reasons)
    amount = _parse_amount(raw_amount, reasons)
    category = " ".join(category.split())
    payment_method = payment_method.strip() or "other"
    tags = split_tags(tags_text, TAG_SEPARATOR)
    reasons += _text_problems(category, description, payment_method, tags)
    if reasons or date is None or amount is None:
        return None, reasons
    row = ImportRow(
        line,
        date,
        amount,
        category,
        description,
        payment_method,
        tuple(tags),
        notes or None,
        category_key(category),
    )
    return row, []


def _text_problems(
    category: str, description: str, payment_method: str, tags: list[str]
) -> list[str]:
    problems = []
    if not category:
        problems.append("the category is missing")
    elif len(category) > CATEGORY_MAX_LENGTH:
        problems.append(f"the category is longer than {CATEGORY_MAX_LENGTH} characters")
    elif _CONTROL_CHARS.search(category):
        problems.append("the category contains control characters")
    if not description.strip():
        problems.append("the description is missing")
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        problems.append(f"the description is longer than {DESCRIPTION_MAX_LENGTH} characters")
    if payment_method not in PAYMENT_METHODS:
        problems.append(f"the payment method must be one of {', '.join(PAYMENT_METHODS)}")
    if any(len(tag) > TAG_MAX_LENGTH for tag in tags):
        problems.append(f"a tag is longer than {TAG_MAX_LENGTH} characters")
    if len(tags) > TAGS_PER_EXPENSE:
        problems.append(f"more than {TAGS_PER_EXPENSE} tags")
    return problems


def _parse_date(text: str, reasons: list[str]) -> dt.date | None:
    if not _ISO_DATE.match(text):
        reasons.append(f"the date must look like 2024-01-31, not “{text[:20]}”")
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        reasons.append(f"{text} is not a real date")
        return None


def _parse_amount(text: str, reasons: list[str]) -> Decimal | None:
    try:
        return parse_amount(text)
    except AmountError as exc:
        reasons.append(f"amount “{text.strip()[:20]}”: {str(exc).rstrip('.')}")
        return None


def _existing_fingerprints(user_id: uuid.UUID, rows: Sequence[ImportRow]) -> Counter[Fingerprint]:
    # One grouped query, limited to the file's dates: imports stay fast for long histories.
    stmt = (
        owned(Expense, user_id=user_id)
        .with_only_columns(
            Expense.date, Expense.amount, Category.name_key, Expense.description, func.count()
        )
        .join(Category, Expense.category_id == Category.id)
        .where(Expense.date.between(min(r.date for r in rows), max(r.date for r in rows)))
        .group_by(Expense.date, Expense.amount, Category.name_key, Expense.description)
    )
    return Counter({(d, a, key, text): n for d, a, key, text, n in db.session.execute(stmt)})


def _resolve_categories(
    user_id: uuid.UUID, rows: Sequence[ImportRow]
) -> tuple[dict[str, uuid.UUID], list[str]]:
    ids = dict(
        db.session.execute(
            owned(Category, user_id=user_id).with_only_columns(Category.name_key, Category.id)
        ).all()
    )
    created = []
    for row in rows:
        key, name = row.category_key, row.category
        if key not in ids:
            # The file's first spelling names the new category.
            category = Category(
                id=uuid.uuid4(), user_id=user_id, name=name, name_key=key, color=DEFAULT_COLOR
            )
            db.session.add(category)
            ids[key] = category.id
            created.append(name)
    db.session.flush()
    return ids, created


def _resolve_tags(user_id: uuid.UUID, rows: Sequence[ImportRow]) -> dict[str, uuid.UUID]:
    names = {tag_key(name): name for row in rows for name in row.tags}
    tags = resolve_tags(user_id, names.values())
    db.session.flush()
    return {tag.name_key: tag.id for tag in tags}


def _insert(
    user_id: uuid.UUID,
    rows: Sequence[ImportRow],
    category_ids: dict[str, uuid.UUID],
    tag_ids: dict[str, uuid.UUID],
) -> None:
    expenses, links = [], []
    for row in rows:
        expense_id = uuid.uuid4()
        expenses.append(
            {
                "id": expense_id,
                "user_id": user_id,
                "date": row.date,
                "amount_cents": row.amount,
                "category_id": category_ids[row.category_key],
                "description": row.description,
                "payment_method": row.payment_method,
                "notes": row.notes,
            }
        )
        links.extend({"expense_id": expense_id, "tag_id": tag_ids[tag_key(t)]} for t in row.tags)
    if expenses:
        # A Core insert on the table: one executemany, without the ORM's per-row
        # bookkeeping. Column defaults (timestamps, version) still apply.
        db.session.execute(insert(Expense.__table__), expenses)
    if links:
        db.session.execute(insert(expense_tags), links)
