"""Amounts as banks write them, read exactly (never through float).

`1.234,56`, `1,234.56`, `1 234,56` (space, NBSP or U+202F), `1'234.56`,
`-12,50`, `12,50-`, `(12.50)`, `+12.50`, `€ 12,50`, `12.50 EUR`, `−12.50`
(U+2212) are all read, given the decimal separator; the other of `.` and
`,`, spaces and `'` are then thousands separators, which must group by three.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..money import MAX_CENTS

DECIMAL_SEPARATORS = (".", ",")
_MINUSES = "-\u2212\u2012\u2013"
_SPACES = " \u00a0\u202f\u2009"
# Currency symbols and ISO 4217-like codes around the number are ignored.
_CURRENCY = re.compile(r"^(?:[A-Za-z]{3}|[$€£¥₹₽₩₪₫฿₴₦₱]|[A-Za-z]{1,2}\$|kr|zł|Fr\.?|CHF)")
_CURRENCY_END = re.compile(r"(?:[A-Za-z]{3}|[$€£¥₹₽₩₪₫฿₴₦₱]|kr|zł|Fr\.?)$")


class NumberError(ValueError):
    """Why text is not an amount; the message is for users."""


def parse_signed_cents(text: str, decimal: str) -> int:
    """`text` in whole cents, negative when it says so; NumberError when unreadable."""
    raw = text.strip(_SPACES + "\t")
    if not raw:
        raise NumberError("the amount is empty")
    sign, body = _strip_sign(raw)
    body = _strip_currency(body)
    sign2, body = _strip_sign(body)
    if sign < 0 and sign2 < 0:
        # `--5` or `(-5)`: no bank means plus by that.
        raise NumberError(f"“{raw[:30]}” has two minus signs")
    cents = _unsigned_cents(body, decimal, raw)
    if cents > MAX_CENTS:
        raise NumberError(f"the amount “{raw[:30]}” is too large")
    return -cents if min(sign, sign2) < 0 else cents


def _strip_sign(text: str) -> tuple[int, str]:
    """(-1 or 1, the rest): a leading or trailing minus, parentheses or a plus."""
    text = text.strip(_SPACES)
    if len(text) >= 2 and text[0] == "(" and text[-1] == ")":
        return -1, text[1:-1].strip(_SPACES)
    if text[:1] and text[0] in _MINUSES:
        return -1, text[1:].strip(_SPACES)
    if text[-1:] and text[-1] in _MINUSES:
        return -1, text[:-1].strip(_SPACES)
    if text.startswith("+"):
        return 1, text[1:].strip(_SPACES)
    return 1, text


def _strip_currency(text: str) -> str:
    text = _CURRENCY.sub("", text, count=1).strip(_SPACES)
    return _CURRENCY_END.sub("", text, count=1).strip(_SPACES)


def _unsigned_cents(body: str, decimal: str, raw: str) -> int:
    """`1.234,56` with decimal `,` -> 123456: thousands groups checked, two decimals at most."""
    if decimal not in DECIMAL_SEPARATORS:
        raise NumberError("the decimal separator must be . or ,")
    whole, fraction = body.rsplit(decimal, 1) if decimal in body else (body, "")
    other = "," if decimal == "." else "."
    groups = re.split("[" + re.escape(other + "'" + _SPACES) + "]", whole)
    if len(groups) > 1 and not (
        1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])
    ):
        raise NumberError(f"“{raw[:30]}” is not a number with decimal separator “{decimal}”")
    digits = "".join(groups) or ("0" if fraction else "")
    if not _is_digits(digits) or not (fraction == "" or _is_digits(fraction)):
        raise NumberError(f"“{raw[:30]}” is not a number")
    if len(fraction) > 2:
        raise NumberError(f"“{raw[:30]}” has more than two decimals")
    return int(digits) * 100 + int(fraction.ljust(2, "0") or "0")


def _is_digits(text: str) -> bool:
    # ASCII only: str.isdigit also accepts superscripts and other scripts' digits.
    return text.isascii() and text.isdigit()


def guess_decimal_separator(values: Iterable[str]) -> str:
    """`,` when the values read with a decimal comma and not with a point; else `.`."""
    samples = [value for value in values if value.strip()][:200]
    if not samples:
        return "."
    reads = {sep: sum(_reads(value, sep) for value in samples) for sep in DECIMAL_SEPARATORS}
    comma_decimals = sum(bool(re.search(r",\d{1,2}\D*$", value)) for value in samples)
    point_decimals = sum(bool(re.search(r"\.\d{1,2}\D*$", value)) for value in samples)
    if reads[","] > reads["."] or (reads[","] == reads["."] and comma_decimals > point_decimals):
        return ","
    return "."


def _reads(value: str, decimal: str) -> bool:
    try:
        parse_signed_cents(value, decimal)
    except NumberError:
        return False
    return True
