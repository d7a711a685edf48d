"""A CSV statement's mapping (which column is what, how it is written) and the
transactions it reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

from ..models import name_key
from .csv_reader import Record
from .dates import DateError, parse_date
from .numbers import NumberError, parse_signed_cents
from .transactions import Transaction, finish, joined

ROLES = (
    "ignore",
    "date",
    "amount",
    "debit",
    "credit",
    "description",
    "payee",
    "notes",
    "category",
    "tags",
    "reference",
)
SIGNS = ("negative_is_expense", "positive_is_expense")
# Header words (name_key) that name a column's role, in the languages banks write.
_HEADER_ROLES = {
    "date": (
        "date",
        "datum",
        "buchungstag",
        "buchungsdatum",
        "transaction date",
        "posting date",
        "posted date",
        "booking date",
        "date opération",
        "date operation",
        "valuta",
        "fecha",
    ),
    "amount": ("amount", "betrag", "montant", "importe", "value", "umsatz", "betrag (eur)"),
    "debit": ("debit", "paid out", "money out", "withdrawal", "withdrawals", "soll", "débit"),
    "credit": ("credit", "paid in", "money in", "deposit", "deposits", "haben", "crédit"),
    "description": (
        "description",
        "verwendungszweck",
        "libellé",
        "libelle",
        "details",
        "narrative",
        "memo",
        "transaction description",
        "buchungstext",
        "concepto",
    ),
    "payee": (
        "payee",
        "name",
        "merchant",
        "beguenstigter/zahlungspflichtiger",
        "empfänger",
        "auftraggeber/empfänger",
        "counterparty",
        "bénéficiaire",
    ),
    "category": ("category", "kategorie", "catégorie"),
    "notes": ("notes", "note", "notiz", "comment"),
    "tags": ("tags",),
    "reference": ("reference", "ref", "transaction id", "id", "referenz", "fitid"),
}
# How the values of several columns of one role are joined (others: with a space).
_JOINERS = {"notes": "\n", "tags": ","}
_BY_HEADER = {word: role for role, words in _HEADER_ROLES.items() for word in words}


@dataclass(frozen=True)
class CsvSettings:
    """Everything the mapping form sets; stored as JSON on the batch and in profiles."""

    encoding: str
    delimiter: str
    skip_lines: int
    has_header: bool
    roles: tuple[str, ...] = ()
    date_format: str | None = None
    decimal_separator: str = "."
    sign: str = "negative_is_expense"
    extra: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CsvSettings:
        values = json.loads(text)
        values["roles"] = tuple(values.get("roles") or ())
        return cls(**values)

    def with_(self, **changes) -> CsvSettings:
        return replace(self, **changes)


def guess_roles(header: Sequence[str]) -> tuple[str, ...]:
    """A role per column from its header text, each of date/amount/... used once."""
    roles: list[str] = []
    for cell in header:
        role = _BY_HEADER.get(name_key(cell).strip('"'), "ignore")
        roles.append("ignore" if role in roles and role != "ignore" else role)
    if "description" not in roles and "payee" in roles:
        roles[roles.index("payee")] = "description"
    return tuple(roles)


def role_problems(roles: Sequence[str]) -> list[str]:
    """What the contract's rules find wrong with `roles` ([] when they can be used)."""
    problems = []
    if roles.count("date") != 1:
        problems.append("Choose exactly one date column.")
    single = roles.count("amount") == 1 and "debit" not in roles and "credit" not in roles
    split = roles.count("debit") == 1 and roles.count("credit") == 1 and "amount" not in roles
    if not (single or split):
        problems.append("Choose one amount column, or one debit and one credit column.")
    if "description" not in roles and "payee" not in roles:
        problems.append("Choose a description or a payee column.")
    return problems


def column_values(records: Sequence[Record], column: int) -> list[str]:
    """The cells of column `column`, from the records long enough to have it."""
    return [record.cells[column] for record in records if column < len(record.cells)]


def read_transactions(records: Sequence[Record], settings: CsvSettings) -> list[Transaction]:
    """A transaction per record (the header already left out), each error explained."""
    columns: dict[str, list[int]] = {}
    for n, role in enumerate(settings.roles):
        columns.setdefault(role, []).append(n)
    return [_transaction(record, columns, settings) for record in records]


def _transaction(
    record: Record, columns: dict[str, list[int]], settings: CsvSettings
) -> Transaction:
    """One record read with the mapping; every problem found goes into its error. Several
    columns of one role are joined (the first non-empty one for a category or reference)."""
    cells = record.cells

    def cell(role: str) -> str:
        found = [cells[n].strip() for n in columns.get(role, ()) if n < len(cells)]
        found = [value for value in found if value]
        if role in ("category", "reference"):
            return found[0] if found else ""
        return _JOINERS.get(role, " ").join(found)

    problems: list[str] = []
    tx = Transaction(record.line)
    if len(cells) < len(settings.roles):
        problems.append(f"expected {len(settings.roles)} fields, found {len(cells)}")
    if settings.date_format:
        try:
            tx.date = parse_date(cell("date"), settings.date_format)
        except DateError as exc:
            problems.append(str(exc))
    tx.cents = _cents(cell, settings, problems)
    payee, description = cell("payee"), cell("description")
    tx.description = payee or description
    tx.notes = joined(description if payee else None, cell("notes"))
    tx.category_name = cell("category") or None
    tx.reference = cell("reference") or None
    tx.tags = cell("tags") or None
    return finish(tx, problems)


def _cents(cell, settings: CsvSettings, problems: list[str]) -> int | None:
    """The signed amount (positive: spent) from the amount column or debit and credit."""
    decimal = settings.decimal_separator
    try:
        if "amount" in settings.roles:
            cents = parse_signed_cents(cell("amount"), decimal)
            return -cents if settings.sign == "negative_is_expense" else cents
        debit, credit = cell("debit"), cell("credit")
        spent = abs(parse_signed_cents(debit, decimal)) if debit else 0
        received = abs(parse_signed_cents(credit, decimal)) if credit else 0
    except NumberError as exc:
        problems.append(str(exc))
        return None
    if debit and credit and spent and received:
        problems.append("both the debit and the credit column have an amount")
        return None
    if not debit and not credit:
        problems.append("the amount is empty")
        return None
    return spent or -received
