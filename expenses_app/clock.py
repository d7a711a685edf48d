"""Today's date, from one place: the pages and the page cache's key must agree on it."""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    """The server's local date (the app has no per-user time zone)."""
    return dt.date.today()
