"""Template filters: the only way pages format money and dates.

Links come from Flask's own `url_for` (the global Flask gives every
template); charts are drawn by the macros in `_macros/charts.html`.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_login import current_user

from .models import payment_method_label
from .money import format_money, format_plain
from .scoping import role_allows


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


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["plain_money"] = format_plain
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["payment_method"] = payment_method_label
    app.jinja_env.autoescape = True
    app.jinja_env.add_extension("jinja2.ext.do")
    app.context_processor(_ledger_role)


def _ledger_role() -> dict[str, bool]:
    """`can_write`: whether the user's role in the current ledger may add and change things
    (pages hide what a viewer cannot use; the routes refuse it anyway, with 403)."""
    return {"can_write": role_allows(getattr(current_user, "role", None), "member")}
