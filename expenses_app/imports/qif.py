"""QIF statements (`!Type:Bank`, `!Type:CCard`, cash and other accounts).

A record is a run of lines each starting with a field letter, ended by `^`:
`D` date, `T`/`U` amount, `P` payee, `M` memo, `L` category, `N` number.
QIF dates carry no order: `formats_reading` over the `D` lines says which
formats fit, and the mapping asks when more than one does.
"""

from __future__ import annotations

from dataclasses import dataclass

from .dates import DATE_FORMATS, DateError, formats_reading, parse_date, reads
from .numbers import NumberError, guess_decimal_separator, parse_signed_cents
from .transactions import MAX_TRANSACTIONS, Transaction, finish, joined

QIF_TYPES = ("bank", "ccard", "cash", "oth a", "oth l")
# The formats a QIF date can be in, once `'` (Quicken's year mark) reads as `/`.
QIF_DATE_FORMATS = tuple(
    name for name in DATE_FORMATS if name not in ("YYYYMMDD", "D MMM YYYY", "DD-MM-YYYY")
)


class QifError(ValueError):
    """The file is not a QIF statement we can read; the message is for users."""


@dataclass(frozen=True)
class QifRecord:
    position: int
    fields: dict[str, str]


def is_qif(text: str) -> bool:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first.lower().startswith("!type:")


def read_records(text: str) -> list[QifRecord]:
    """The file's records, numbered from 1; QifError for an unknown type, none, or too many."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    kind = lines[0][6:].strip().lower() if lines else ""
    if kind not in QIF_TYPES:
        raise QifError(f"QIF files of type “{kind[:20]}” cannot be imported (bank or card only).")
    records, fields = [], {}
    for line in lines[1:]:
        if line.startswith("^"):
            if fields:
                records.append(QifRecord(len(records) + 1, fields))
            fields = {}
        elif line.startswith("!"):
            continue
        else:
            fields.setdefault(line[0].upper(), line[1:].strip())
    if fields:
        records.append(QifRecord(len(records) + 1, fields))
    if not records:
        raise QifError("The QIF file holds no transactions.")
    if len(records) > MAX_TRANSACTIONS:
        raise QifError(f"The file has more than {MAX_TRANSACTIONS:,} transactions: split it.")
    return records


def date_text(record: QifRecord) -> str:
    """The `D` line with Quicken's year mark read: `3/27'26` is `3/27/2026`."""
    text = record.fields.get("D", "").replace(" ", "")
    head, mark, year = text.partition("'")
    if mark and len(year) == 2 and year.isdigit():
        return f"{head}/20{year}"
    return text.replace("'", "/")


def date_formats(records: list[QifRecord]) -> list[str]:
    """The QIF formats reading every record's date that some QIF format reads (a date
    none reads is an error whatever the order, so it does not make the order unknown)."""
    texts = [date_text(record) for record in records]
    readable = [text for text in texts if any(reads(text, name) for name in QIF_DATE_FORMATS)]
    return [name for name in formats_reading(readable) if name in QIF_DATE_FORMATS]


def read_transactions(records: list[QifRecord], date_format: str) -> list[Transaction]:
    decimal = guess_decimal_separator(
        record.fields.get("T") or record.fields.get("U", "") for record in records
    )
    return [_transaction(record, date_format, decimal) for record in records]


def _transaction(record: QifRecord, date_format: str, decimal: str) -> Transaction:
    """One QIF record, read with the chosen date format."""
    fields, problems = record.fields, []
    tx = Transaction(record.position)
    try:
        tx.date = parse_date(date_text(record), date_format)
    except DateError as exc:
        problems.append(str(exc))
    try:
        # QIF amounts are signed for the account: a payment out is negative.
        tx.cents = -parse_signed_cents(fields.get("T") or fields.get("U", ""), decimal)
    except NumberError as exc:
        problems.append(str(exc))
    payee, memo = fields.get("P", ""), fields.get("M", "")
    tx.description = payee or memo
    tx.notes = joined(memo if payee else None)
    # `L` may name a transfer (`[Savings]`) or a subcategory (`Food:Groceries`).
    category = fields.get("L", "")
    tx.category_name = None if category.startswith("[") else category or None
    tx.reference = None
    return finish(tx, problems)
