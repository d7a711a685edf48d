"""Template filters and globals: the only way pages format money and dates."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import quote_plus

from flask import Flask, current_app, url_for

from .money import format_money, format_plain

# What Werkzeug leaves unquoted in a query value (werkzeug.urls._urlencode).
_QUERY_SAFE = "!$'()*,/:;?@"
# Stands in for the varying value; quoting leaves both unchanged.
_SENTINEL_UUID = uuid.UUID("0badc0de-0000-4000-8000-00000000beef")
_SENTINEL_TEXT = "urlpatternsentinel"


def format_date(value: dt.date | dt.datetime | None) -> str:
    """ISO `YYYY-MM-DD`, as the contract writes dates everywhere."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


class UrlPattern:
    """`url_for(endpoint, **values, <name>=value)` for the many values of a page's rows.

    `url_for` walks the URL map for every link (a few dozen Python calls); a
    list page has one link per row and tag. The pattern calls it once, with a
    stand-in value, and then only joins strings: the stand-in is replaced by
    the value encoded as Werkzeug would, a `<uuid:...>` path part (`str`) or
    a query argument (`quote_plus` with Werkzeug's safe characters).
    """

    __slots__ = ("_head", "_tail", "_encode")

    def __init__(self, endpoint: str, name: str, **values: Any) -> None:
        rule = next(current_app.url_map.iter_rules(endpoint))
        if name in rule.arguments:
            if f"<uuid:{name}>" not in rule.rule:
                raise ValueError(f"{endpoint}: only <uuid:{name}> path parts have a pattern")
            sentinel, self._encode = str(_SENTINEL_UUID), str
            url = url_for(endpoint, **values, **{name: _SENTINEL_UUID})
        else:
            sentinel, self._encode = _SENTINEL_TEXT, _quote_query_value
            url = url_for(endpoint, **values, **{name: _SENTINEL_TEXT})
        self._head, found, self._tail = url.partition(sentinel)
        if not found or sentinel in self._tail:
            raise ValueError(f"{endpoint}: {url!r} does not hold the value once")

    def __call__(self, value: Any) -> str:
        return self._head + self._encode(value) + self._tail


def _quote_query_value(value: Any) -> str:
    return quote_plus(str(value), safe=_QUERY_SAFE)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals["url_pattern"] = UrlPattern
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["plain_money"] = format_plain
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.autoescape = True
    app.jinja_env.add_extension("jinja2.ext.do")
