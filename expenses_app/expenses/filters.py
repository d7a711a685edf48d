"""The expense list's query string: parsed once, applied to the list, its totals and the export.

Every value is checked here, so a bad one answers 400 with a readable message
before any SQL runs, and the list, the filtered total and the CSV export can
never disagree about what a filter means.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from werkzeug.exceptions import BadRequest

from ..database import dialect_name
from ..models import PAYMENT_METHODS, Category, Expense, SearchRow, Tag, expense_tags
from ..money import AmountError, format_plain, parse_amount
from .services import TAG_MAX_LENGTH, tag_key
from .text_search import SlotRange, text_search

SORTS = ("date", "amount", "category", "description")
ORDERS = ("asc", "desc")
# Newest and largest first; names read naturally A to Z.
DEFAULT_ORDER = {"date": "desc", "amount": "desc", "category": "asc", "description": "asc"}
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000
QUERY_MAX_LENGTH = 200
FILTER_NAMES = ("q", "category", "tag", "payment_method", "start", "end", "min", "max")


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


def parse_page(args: Mapping[str, str]) -> int:
    """The `page` query parameter of a paged list (1 when absent); 400 when bad."""
    raw = (args.get("page") or "").strip()
    return _parse_int("page", raw, 1, MAX_PAGE) if raw else 1


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

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ExpenseFilters:
        """Parse a query string; any bad value raises `BadRequest` (400) naming the parameter.

        Empty values count as absent, because a GET form submits every field.
        """
        raw = {name: (args.get(name) or "").strip() for name in _FIELD_NAMES}
        values: dict[str, Any] = {}
        if raw["q"]:
            if len(raw["q"]) > QUERY_MAX_LENGTH or "\x00" in raw["q"]:
                raise _bad(f"The search text must be at most {QUERY_MAX_LENGTH} characters.")
            values["q"] = raw["q"]
        if raw["category"]:
            try:
                values["category"] = uuid.UUID(raw["category"])
            except ValueError:
                raise _bad("“category” is not a category id.") from None
        if raw["tag"]:
            if len(raw["tag"]) > TAG_MAX_LENGTH or "\x00" in raw["tag"]:
                raise _bad(f"“tag” must be at most {TAG_MAX_LENGTH} characters.")
            values["tag"] = raw["tag"]
        if raw["payment_method"]:
            if raw["payment_method"] not in PAYMENT_METHODS:
                raise _bad(f"“payment_method” must be one of {', '.join(PAYMENT_METHODS)}.")
            values["payment_method"] = raw["payment_method"]
        for name in ("start", "end"):
            if raw[name]:
                values[name] = _parse_date(name, raw[name])
        for name in ("min", "max"):
            if raw[name]:
                values[name] = _parse_amount(name, raw[name])
        values.update(cls._sorting(raw))
        filters = cls(**values)
        filters._check_ranges()
        return filters

    @classmethod
    def _sorting(cls, raw: Mapping[str, str]) -> dict[str, Any]:
        sort = raw["sort"] or "date"
        if sort not in SORTS:
            raise _bad(f"“sort” must be one of {', '.join(SORTS)}.")
        order = raw["order"] or DEFAULT_ORDER[sort]
        if order not in ORDERS:
            raise _bad("“order” must be asc or desc.")
        page = parse_page(raw)
        per_page = (
            _parse_int("per_page", raw["per_page"], 1, MAX_PER_PAGE)
            if raw["per_page"]
            else DEFAULT_PER_PAGE
        )
        return {"sort": sort, "order": order, "page": page, "per_page": per_page}

    def _check_ranges(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise _bad("“start” must not be after “end”.")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise _bad("“min” must not be more than “max”.")

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @property
    def is_filtered(self) -> bool:
        return any(getattr(self, name) is not None for name in FILTER_NAMES)

    @property
    def by_month_totals(self) -> bool:
        """Whether the matching rows' count and total can come from the monthly totals."""
        return self.q is None and self.tag is None and self.min is None and self.max is None

    def to_args(self, **changes: Any) -> dict[str, str]:
        """The query string for these filters with `changes`, leaving out defaults.

        `order=None` means the natural order of the (new) sort key.

        Links for paging, sorting and export are built from this, so the
        filters survive every click.
        """
        # A dict rather than dataclasses.replace: a list page builds half a
        # dozen of these, and replace() re-runs the frozen __init__ each time.
        current = {name: getattr(self, name) for name in _FIELD_NAMES}
        unknown = changes.keys() - current.keys()
        if unknown:
            raise TypeError(f"unknown filter {sorted(unknown)[0]!r}")
        current.update(changes)
        sort = current["sort"]
        if current["order"] is None:
            current["order"] = DEFAULT_ORDER[sort]
        args: dict[str, str] = {}
        for name, value in current.items():
            if value is None:
                continue
            if name in ("min", "max"):
                args[name] = format_plain(value)
            elif name in ("start", "end"):
                args[name] = value.isoformat()
            else:
                args[name] = str(value)
        for name, default in (("sort", "date"), ("page", 1), ("per_page", DEFAULT_PER_PAGE)):
            if current[name] == default:
                args.pop(name)
        if current["order"] == DEFAULT_ORDER[sort]:
            args.pop("order")
        return args

    @property
    def source(self) -> type[Expense]:
        """What the list's page, count and total read: the expenses, or while
        searching on SQLite their copies in the search index (`SearchRow`,
        migration 0006), which read as expenses."""
        return SearchRow if self.q and dialect_name() == "sqlite" else Expense

    def apply(self, stmt: Select, user_id: uuid.UUID, slots: SlotRange | None = None) -> Select:
        """`stmt` (a SELECT over the user's live rows of `source`) narrowed by every filter.

        `slots`: while searching on SQLite, the part of the search index to read.
        """
        row = self.source
        conditions: list[ColumnElement[bool]] = []
        if self.category:
            conditions.append(row.category_id == self.category)
        if self.tag:
            tagged = (
                select(expense_tags.c.expense_id)
                .join(Tag, Tag.id == expense_tags.c.tag_id)
                .where(Tag.user_id == user_id, Tag.name_key == tag_key(self.tag))
            )
            conditions.append(row.id.in_(tagged))
        if self.payment_method:
            conditions.append(row.payment_method == self.payment_method)
        if self.start:
            conditions.append(row.date >= self.start)
        if self.end:
            conditions.append(row.date <= self.end)
        if self.min is not None:
            conditions.append(row.amount >= self.min)
        if self.max is not None:
            conditions.append(row.amount <= self.max)
        stmt = stmt.where(*conditions)
        return text_search(stmt, user_id, self.q, slots) if self.q else stmt

    @property
    def needs_category_join(self) -> bool:
        return self.sort == "category"

    def ordering(
        self, row: type[Expense] | None = None, *, reverse: bool = False
    ) -> list[ColumnElement[Any]]:
        """ORDER BY terms over `row` (default `source`): the chosen key, then
        date (and entry time) and id.

        The id makes the order total, so pages never overlap or skip rows,
        and `reverse` gives exactly the same rows backwards.
        """
        row = row or self.source
        primary = {
            "date": row.date,
            "amount": row.amount,
            "category": Category.name_key,
            "description": row.description,
        }[self.sort]
        tie_breaks = {
            "date": (row.created_at,),
            "amount": (row.date,),
            # Matches the (user, category, date, created_at, id) index.
            "category": (row.date, row.created_at),
            "description": (row.date,),
        }[self.sort]
        terms = [primary, *tie_breaks, row.id]
        descending = (self.order == "desc") != reverse
        return [t.desc() if descending else t.asc() for t in terms]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


_FIELD_NAMES = ExpenseFilters.field_names()
