"""Money in, money out: the one parser, the one formatter and the one form field."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from wtforms import Field
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from .models import MAX_AMOUNT
from .models.types import CENT

# ASCII digits only (re.ASCII: a bare \d also matches Arabic-Indic or fullwidth
# digits, which int() and Decimal would accept). Decimal would also take "1e3",
# "NaN", "sNaN" and "Infinity", none of which is an amount of money.
_AMOUNT_RE = re.compile(r"^(\d{1,10})(?:\.(\d{1,2}))?$", re.ASCII)
_MONEY_CHARS = re.compile(r"^[\d.]+$", re.ASCII)
MAX_CENTS = int(MAX_AMOUNT * 100)
# No spending: the value of an empty sum, at the scale money is stored with.
ZERO = Decimal("0.00")


class AmountError(ValueError):
    """Why a piece of text is not an acceptable amount; the message is for users."""


def parse_amount(text: str | None) -> Decimal:
    """Turn user text such as `12`, `12.5` or `12.50` into an exact, positive Decimal.

    Refuses negatives, zero, exponents, a third decimal, non-ASCII digits,
    NaN/Infinity and anything above the contract's maximum, each with a
    message that says what is wrong.
    """
    return Decimal(parse_cents(text)).scaleb(-2)


def parse_cents(text: str | None) -> int:
    """`parse_amount` in whole cents (`12.5` -> 1250): the same checks and messages.

    For bulk work that stores cents as they are (the CSV import), skipping the
    Decimal round trip.
    """
    raw = (text or "").strip()
    match = _AMOUNT_RE.match(raw)
    if match is None:
        raise AmountError(_why_not_an_amount(raw))
    whole, fraction = match.groups()
    cents = int(whole) * 100 + (int(fraction.ljust(2, "0")) if fraction else 0)
    if cents < 1:
        raise AmountError("The amount must be greater than zero.")
    if cents > MAX_CENTS:
        raise AmountError(f"The amount must be at most {format_money(MAX_AMOUNT)}.")
    return cents


def _why_not_an_amount(raw: str) -> str:
    """The message for text the amount pattern refused: the likeliest mistake first."""
    if not raw:
        return "Enter an amount."
    if raw.startswith("-"):
        return "The amount must be positive."
    if "," in raw:
        return "Use a dot for decimals and no thousands separators, e.g. 1234.50."
    if _MONEY_CHARS.match(raw) and "." in raw and len(raw.rsplit(".", 1)[1]) > 2:
        return "Use at most two decimal places."
    if _MONEY_CHARS.match(raw) and len(raw.split(".")[0]) > 10:
        return f"The amount must be at most {format_money(MAX_AMOUNT)}."
    return "Enter a number such as 12 or 12.50."


def format_money(value: Decimal | int | None) -> str:
    """`1234.5` -> `1,234.50`: two decimals, thousands separated (the `money` filter)."""
    if value is None:
        return ""
    return f"{Decimal(value).quantize(CENT):,.2f}"


def format_plain(value: Decimal | int) -> str:
    """`1234.5` -> `1234.50`: for files and form values, where separators get in the way."""
    return f"{Decimal(value).quantize(CENT):.2f}"


class AmountField(Field):
    """A money input backed by `parse_amount`; `data` is a Decimal or None."""

    widget = TextInput()

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any):
        render_kw = {"inputmode": "decimal", "autocomplete": "off"}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is not None:
            return format_plain(self.data)
        return ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or str(valuelist[0]).strip() == "":
            self.data = None
            return
        try:
            self.data = parse_amount(str(valuelist[0]))
        except AmountError as exc:
            self.data = None
            raise ValueError(str(exc)) from None


def amount_required(form: Any, field: AmountField) -> None:
    """The validator every required AmountField uses.

    AmountField leaves `data` None for blank input (spaces too) without an
    error of its own, which InputRequired lets through; a parse error already
    explains itself and is not replaced.
    """
    if field.data is None and not field.errors:
        raise StopValidation("Enter an amount.")
