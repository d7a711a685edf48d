"""From stored bytes to judged lines: OFX at once, QIF once its date order is known, CSV
once mapped (by a saved profile or the mapping form)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import ImportBatch
from ..scoping import Scope
from . import qif
from .csv_mapping import (
    CsvSettings,
    column_values,
    guess_roles,
    read_transactions,
    role_problems,
)
from .csv_reader import CsvError, Record, detect_layout, physical_lines, read_records
from .dates import formats_reading, likeliest_formats, parse_date
from .decoding import DecodeError, decode_text, detect_encoding
from .numbers import NumberError, guess_decimal_separator, parse_signed_cents
from .ofx import read_ofx
from .profiles import find_profile, save_profile
from .store import replace_lines
from .transactions import MAX_TRANSACTIONS


@dataclass
class MappingProblems:
    """Messages by form field name (`form` for the form as a whole)."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.by_field)


def prepare(scope: Scope, batch: ImportBatch) -> None:
    """Build the lines of a fresh upload when nothing needs asking (the caller commits)."""
    if batch.kind == "ofx":
        replace_lines(scope, batch, read_ofx(batch.data), "{}")
    elif batch.kind == "qif":
        records = qif.read_records(decode_text(batch.data, detect_encoding(batch.data)))
        formats = qif.date_formats(records)
        if len(formats) == 1:
            apply_qif_format(scope, batch, formats[0])
    else:
        text = decode_text(batch.data, detect_encoding(batch.data))
        found = find_profile(scope, text)
        if found is not None:
            profile, skip_lines = found
            batch.profile_id = profile.id
            settings = CsvSettings.from_json(profile.settings).with_(skip_lines=skip_lines)
            if apply_csv_mapping(scope, batch, settings):
                batch.settings = None


def apply_qif_format(scope: Scope, batch: ImportBatch, date_format: str) -> None:
    records = qif.read_records(decode_text(batch.data, detect_encoding(batch.data)))
    transactions = qif.read_transactions(records, date_format)
    replace_lines(
        scope, batch, transactions, CsvSettings("", "", 0, False, (), date_format).to_json()
    )


@dataclass
class CsvView:
    """What the mapping page shows: the decoded first lines and the table's records."""

    settings: CsvSettings
    preview: list[str]
    records: list[Record]
    columns: int
    problem: str | None = None

    @property
    def header(self) -> list[str]:
        return self.records[0].cells if self.records and self.settings.has_header else []


def detected_settings(data: bytes) -> CsvSettings:
    """The mapping the app would suggest for `data`."""
    encoding = detect_encoding(data)
    text = decode_text(data, encoding)
    layout = detect_layout(text)
    delimiter, skip = (layout.delimiter, layout.skip_lines) if layout else (",", 0)
    return suggested(CsvSettings(encoding, delimiter, skip, True), text)


def suggested(settings: CsvSettings, text: str) -> CsvSettings:
    """`settings` with roles and formats guessed from the header and the values."""
    records = read_records(text, settings.delimiter, settings.skip_lines)
    if not records:
        return settings
    roles = guess_roles(records[0].cells)
    data = records[1:]
    values = {role: column_values(data, n) for n, role in enumerate(roles)}
    formats = likeliest_formats(values.get("date", []))
    amounts = values.get("amount") or values.get("debit", []) + values.get("credit", [])
    decimal = guess_decimal_separator(amounts)
    return settings.with_(
        roles=roles,
        date_format=formats[0] if len(formats) == 1 else None,
        decimal_separator=decimal,
        sign=_likely_sign(values.get("amount", []), decimal),
    )


def _likely_sign(amounts: list[str], decimal: str) -> str:
    """Card statements list purchases as positive amounts, bank accounts as negative."""
    signs = []
    for value in amounts[:500]:
        try:
            signs.append(parse_signed_cents(value, decimal) > 0)
        except NumberError:
            continue
    return "positive_is_expense" if sum(signs) * 2 > len(signs) else "negative_is_expense"


def csv_view(data: bytes, settings: CsvSettings) -> CsvView:
    """The file read with `settings`' encoding, delimiter and preamble (problem: why not)."""
    try:
        text = decode_text(data, settings.encoding)
    except DecodeError as exc:
        text = decode_text(data, "latin-1")
        return CsvView(settings, physical_lines(text, 20), [], 0, str(exc))
    try:
        records = read_records(text, settings.delimiter, settings.skip_lines)
    except CsvError as exc:
        return CsvView(settings, physical_lines(text, 20), [], 0, str(exc))
    columns = max((len(record.cells) for record in records[:100]), default=0)
    return CsvView(settings, physical_lines(text, 20), records, columns)


def apply_csv_mapping(
    scope: Scope,
    batch: ImportBatch,
    settings: CsvSettings,
    profile_name: str | None = None,
) -> MappingProblems:
    """Read the CSV with `settings` and rebuild its lines; what is wrong when it cannot."""
    problems = MappingProblems()
    view = csv_view(batch.data, settings)
    if view.problem:
        problems.add("encoding", view.problem)
        return problems
    data = view.records[1:] if settings.has_header else view.records
    if len(data) > MAX_TRANSACTIONS:
        problems.add("form", f"The file has more than {MAX_TRANSACTIONS:,} rows: split it.")
    for message in role_problems(settings.roles):
        problems.add("form", message)
    if not settings.date_format:
        problems.add("date_format", _date_format_problem(view, settings))
    if problems:
        return problems
    transactions = read_transactions(data, settings)
    if not transactions or all(tx.error for tx in transactions):
        first = transactions[0].error if transactions else "there are no rows"
        problems.add("form", f"Every row has an error, so this mapping cannot be right ({first}).")
        return problems
    replace_lines(scope, batch, transactions, settings.to_json())
    if profile_name:
        header = physical_lines(decode_text(batch.data, settings.encoding))[settings.skip_lines]
        batch.profile_id = save_profile(scope, profile_name, header, settings).id
    return problems


def _date_format_problem(view: CsvView, settings: CsvSettings) -> str:
    if len(date_readings(view, settings)) > 1:
        return "Several date formats read every date of this file: choose the right one."
    return "Choose the date format."


def date_readings(view: CsvView, settings: CsvSettings) -> list[tuple[str, str, object]]:
    """(format, example value, its reading) for each format reading the whole date column."""
    if "date" not in settings.roles:
        return []
    column = settings.roles.index("date")
    data = view.records[1:] if settings.has_header else view.records
    return readings(column_values(data, column))


def qif_readings(batch: ImportBatch) -> list[tuple[str, str, object]]:
    records = qif.read_records(decode_text(batch.data, detect_encoding(batch.data)))
    return readings([qif.date_text(record) for record in records], qif.QIF_DATE_FORMATS)


def readings(values: list[str], allowed=None) -> list[tuple[str, str, object]]:
    """(format, example, its reading) for each format reading every value, the example
    chosen where the formats disagree, so the user sees both readings of one row."""
    values = [value.strip() for value in values if value.strip()]
    formats = [f for f in formats_reading(values) if allowed is None or f in allowed]
    if not formats or not values:
        return []
    example = next((v for v in values if len({parse_date(v, f) for f in formats}) > 1), values[0])
    return [(f, example, parse_date(example, f)) for f in formats]
