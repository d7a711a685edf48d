"""Today's date and the current instant, from one place: the pages and the page cache's key
must agree on the date, and tests move both."""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    """The server's local date (the app has no per-user time zone)."""
    return dt.date.today()


def now() -> dt.datetime:
    """The current instant, aware, in UTC (invitation links expire by it)."""
    return dt.datetime.now(dt.UTC)
