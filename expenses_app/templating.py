"""Template filters and globals: the only way pages format money and dates, and draw charts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import quote_plus

from flask import Flask, current_app, has_request_context, request, url_for

from .charts import chart_svg
from .models import payment_method_label
from .money import format_money, format_plain

# What Werkzeug leaves unquoted in a query value (werkzeug.urls._urlencode).
_QUERY_SAFE = "!$'()*,/:;?@"
# Stands in for the varying value; quoting leaves both unchanged.
_SENTINEL_UUID = uuid.UUID("0badc0de-0000-4000-8000-00000000beef")
_SENTINEL_TEXT = "urlpatternsentinel"
# Distinct links kept by the templates' url_for (a list page's sort links vary with its filters).
TEMPLATE_URLS_KEPT = 1024


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


class TemplateUrlFor:
    """The templates' `url_for`: each link built once per script root, then looked up.

    The layout alone has a dozen links on every page, the same on every
    request, and `url_for` walks the URL map for each. In a request, for an
    endpoint with a single rule and with no URL defaults, host or subdomain
    matching or SERVER_NAME (the app has none of these), a link depends only
    on the script root, the endpoint and the values. Anything else (relative
    endpoints, `_anchor` and friends, values that are not strings) goes to
    `url_for` every time.
    """

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._built = lru_cache(maxsize=TEMPLATE_URLS_KEPT)(self._build)

    def __call__(self, endpoint: str, /, **values: Any) -> str:
        if (
            endpoint not in self._one_rule
            or self._app.url_default_functions
            or self._app.config["SERVER_NAME"]
            or not has_request_context()
            or not all(type(value) is str and name[:1] != "_" for name, value in values.items())
        ):
            return self._app.url_for(endpoint, **values)
        return self._built(request.root_path, endpoint, tuple(values.items()))

    @cached_property
    def _one_rule(self) -> frozenset[str]:
        """The endpoints whose links can be kept (read at the first link, when routes are set)."""
        url_map = self._app.url_map
        if url_map.host_matching or self._app.subdomain_matching:
            return frozenset()
        rules = Counter(rule.endpoint for rule in url_map.iter_rules())
        return frozenset(endpoint for endpoint, count in rules.items() if count == 1)

    def _build(self, _root_path: str, endpoint: str, values: tuple[tuple[str, str], ...]) -> str:
        return self._app.url_for(endpoint, **dict(values))


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = TemplateUrlFor(app)
    app.jinja_env.globals["url_pattern"] = UrlPattern
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["plain_money"] = format_plain
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["payment_method"] = payment_method_label
    app.jinja_env.globals["chart_svg"] = chart_svg
    app.jinja_env.autoescape = True
    app.jinja_env.add_extension("jinja2.ext.do")
