"""Template filters and globals: the only way pages format money and dates, and draw charts."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from .charts import chart_svg
from .money import format_money, format_plain


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
    app.jinja_env.globals["chart_svg"] = chart_svg
    app.jinja_env.autoescape = True
    app.jinja_env.add_extension("jinja2.ext.do")
