"""The contract's date formats, read strictly, and which of them read a whole column.

The app never guesses a date order: `formats_reading` returns every format
that reads all the values, and the mapping asks when there is more than one.
A time after the date (`2026-05-04 08:15:30`, `2026-05-04T08:15`) is ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from ..clock import today

_D = r"(?P<d>\d{1,2})"
_M = r"(?P<m>\d{1,2})"
_Y = r"(?P<y>\d{4})"
_YY = r"(?P<yy>\d{2})"
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
DATE_FORMATS: dict[str, re.Pattern[str]] = {
    name: re.compile(f"^{pattern}$", re.ASCII | re.IGNORECASE)
    for name, pattern in {
        "YYYY-MM-DD": rf"{_Y}-{_M}-{_D}",
        "DD/MM/YYYY": rf"{_D}/{_M}/{_Y}",
        "MM/DD/YYYY": rf"{_M}/{_D}/{_Y}",
        "DD.MM.YYYY": rf"{_D}\.{_M}\.{_Y}",
        "DD-MM-YYYY": rf"{_D}-{_M}-{_Y}",
        "MM-DD-YYYY": rf"{_M}-{_D}-{_Y}",
        "YYYY/MM/DD": rf"{_Y}/{_M}/{_D}",
        "DD/MM/YY": rf"{_D}/{_M}/{_YY}",
        "MM/DD/YY": rf"{_M}/{_D}/{_YY}",
        "DD.MM.YY": rf"{_D}\.{_M}\.{_YY}",
        "YYYYMMDD": r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
        "D MMM YYYY": rf"{_D}[ -](?P<mon>[a-z]{{3,9}})\.?[ -]{_Y}",
    }.items()
}
# What follows a date and is ignored: a time, with or without an offset.
_TIME = re.compile(
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AP]M)?(?:Z|[+-]\d{2}:?\d{2})?)$",
    re.IGNORECASE,
)


class DateError(ValueError):
    """Why text is not a date in the chosen format; the message is for users."""


def parse_date(text: str, date_format: str) -> dt.date:
    """`text` read in `date_format` (a key of DATE_FORMATS), or DateError."""
    raw = text.strip()
    match = DATE_FORMATS[date_format].match(_TIME.sub("", raw).strip())
    if match is None:
        raise DateError(f"“{raw[:30]}” is not a date in the format {date_format}")
    parts = match.groupdict()
    if parts.get("mon"):
        month = MONTHS.get(parts["mon"].lower())
        if month is None:
            raise DateError(f"“{raw[:30]}” has an unknown month name")
    else:
        month = int(parts["m"])
    year = int(parts["y"]) if parts.get("y") else 2000 + int(parts["yy"])
    if parts.get("yy") and year > today().year + 10:
        year -= 100
    try:
        return dt.date(year, month, int(parts["d"]))
    except ValueError:
        raise DateError(f"“{raw[:30]}” is not a real date ({date_format})") from None


def reads(text: str, date_format: str) -> bool:
    try:
        parse_date(text, date_format)
    except DateError:
        return False
    return True


def formats_reading(values: Iterable[str]) -> list[str]:
    """Every format that reads each non-blank value (in DATE_FORMATS order)."""
    samples = list(dict.fromkeys(value.strip() for value in values if value.strip()))
    if not samples:
        return []
    return [name for name in DATE_FORMATS if all(reads(value, name) for value in samples)]


def likeliest_formats(values: Iterable[str]) -> list[str]:
    """`formats_reading`, or when no format reads every value (a few bad rows), those
    reading the most of them."""
    samples = list(dict.fromkeys(value.strip() for value in values if value.strip()))[:1000]
    counts = {name: sum(reads(value, name) for value in samples) for name in DATE_FORMATS}
    best = max(counts.values(), default=0)
    return [name for name, count in counts.items() if count == best and best > 0]
