"""The expense list's query string as a frozen value: parsed once, turned back into links.

Every value is checked here, so a bad one answers 400 with a readable message
before any SQL runs. The value only parses and formats: the read package
(`conditions.py`) decides what each field means in SQL, so the list, its
filtered total and the CSV export can never disagree.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from werkzeug.exceptions import BadRequest

from ..models import PAYMENT_METHODS, TAG_MAX_LENGTH
from ..money import AmountError, format_plain, parse_amount

SORTS = ("date", "amount", "category", "description")
ORDERS = ("asc", "desc")
# Newest and largest first; names read naturally A to Z.
DEFAULT_ORDER = {"date": "desc", "amount": "desc", "category": "asc", "description": "asc"}
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000
QUERY_MAX_LENGTH = 200
# The fields that say how the matching expenses are shown; every other field is a filter.
SHOWING = ("sort", "order", "page", "per_page")
_LINK_DEFAULTS = (("sort", "date"), ("page", 1), ("per_page", DEFAULT_PER_PAGE))


def _bad(message: str) -> BadRequest:
    return BadRequest(description=message)


def _parse_date(name: str, raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise _bad(f"“{name}” must be a date written YYYY-MM-DD.") from None


def _parse_amount(name: str, raw: str) -> Decimal:
    try:
        return parse_amount(raw)
    except AmountError as exc:
        raise _bad(f"“{name}”: {exc}") from None


def _parse_int(name: str, raw: str, low: int, high: int) -> int:
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise _bad(f"“{name}” must be a whole number from {low} to {high}.")
    return int(raw)


def _parse_text(name: str, raw: str, limit: int, message: str) -> str:
    # NUL cannot be stored or compared on PostgreSQL: refuse it here, not as a 500 there.
    if len(raw) > limit or "\x00" in raw:
        raise _bad(message)
    return raw


def parse_page(args: Mapping[str, str]) -> int:
    """The `page` query parameter of a paged list (1 when absent); 400 when bad."""
    raw = (args.get("page") or "").strip()
    return _parse_int("page", raw, 1, MAX_PAGE) if raw else 1


def _parse_category(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise _bad("“category” is not a category id.") from None


def _parse_payment_method(raw: str) -> str:
    if raw not in PAYMENT_METHODS:
        raise _bad(f"“payment_method” must be one of {', '.join(PAYMENT_METHODS)}.")
    return raw


# How each filter is read from its (non-empty, stripped) text.
_PARSERS = {
    "q": lambda raw: _parse_text(
        "q",
        raw,
        QUERY_MAX_LENGTH,
        f"The search text “q” must be at most {QUERY_MAX_LENGTH} characters, with no NUL.",
    ),
    "category": _parse_category,
    "tag": lambda raw: _parse_text(
        "tag",
        raw,
        TAG_MAX_LENGTH,
        f"“tag” must be at most {TAG_MAX_LENGTH} characters, with no NUL.",
    ),
    "payment_method": _parse_payment_method,
    "start": lambda raw: _parse_date("start", raw),
    "end": lambda raw: _parse_date("end", raw),
    "min": lambda raw: _parse_amount("min", raw),
    "max": lambda raw: _parse_amount("max", raw),
}


@dataclass(frozen=True)
class ExpenseFilters:
    """What the user asked the expense list for: filters, sort and page."""

    q: str | None = None
    category: uuid.UUID | None = None
    tag: str | None = None
    payment_method: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    sort: str = "date"
    order: str = "desc"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise _bad("“start” must not be after “end”.")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise _bad("“min” must not be more than “max”.")

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ExpenseFilters:
        """Parse a query string; any bad value raises `BadRequest` (400) naming the parameter.

        Empty values count as absent, because a GET form submits every field.
        """
        raw = {name: (args.get(name) or "").strip() for name in _FIELD_NAMES}
        values: dict[str, Any] = {
            name: _PARSERS[name](raw[name]) for name in FILTER_NAMES if raw[name]
        }
        return cls(**values, **cls._sorting(raw))

    @classmethod
    def _sorting(cls, raw: Mapping[str, str]) -> dict[str, Any]:
        """`sort`, `order`, `page` and `per_page` from the raw query values; 400 when bad."""
        sort = raw["sort"] or "date"
        if sort not in SORTS:
            raise _bad(f"“sort” must be one of {', '.join(SORTS)}.")
        order = raw["order"] or DEFAULT_ORDER[sort]
        if order not in ORDERS:
            raise _bad("“order” must be asc or desc.")
        per_page = (
            _parse_int("per_page", raw["per_page"], 1, MAX_PER_PAGE)
            if raw["per_page"]
            else DEFAULT_PER_PAGE
        )
        return {"sort": sort, "order": order, "page": parse_page(raw), "per_page": per_page}

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @property
    def is_filtered(self) -> bool:
        return bool(self.active_filters())

    def active_filters(self) -> frozenset[str]:
        """The names of the filters that are set: every field but those in SHOWING."""
        return frozenset(
            f.name
            for f in fields(self)
            if f.name not in SHOWING and getattr(self, f.name) is not None
        )

    def to_args(self, **changes: Any) -> dict[str, str]:
        """The query string for these filters with `changes`, leaving out defaults.

        `order=None` means the natural order of the (new) sort key. Links for
        paging, sorting and export are built from this, so the filters survive
        every click.
        """
        current = {name: getattr(self, name) for name in _FIELD_NAMES}
        unknown = changes.keys() - current.keys()
        if unknown:
            raise TypeError(f"unknown filter {sorted(unknown)[0]!r}")
        current.update(changes)
        sort = current["sort"]
        if current["order"] is None:
            current["order"] = DEFAULT_ORDER[sort]
        args = {
            name: _link_text(name, value) for name, value in current.items() if value is not None
        }
        for name, default in _LINK_DEFAULTS:
            if current[name] == default:
                args.pop(name)
        if current["order"] == DEFAULT_ORDER[sort]:
            args.pop("order")
        return args

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _link_text(name: str, value: Any) -> str:
    if name in ("min", "max"):
        return format_plain(value)
    if name in ("start", "end"):
        return value.isoformat()
    return str(value)


_FIELD_NAMES = ExpenseFilters.field_names()
# The fields that narrow which expenses match: a new field is one unless it is in SHOWING.
FILTER_NAMES = tuple(name for name in _FIELD_NAMES if name not in SHOWING)
