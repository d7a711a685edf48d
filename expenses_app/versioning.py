"""Optimistic locking for editable rows (the `Versioned` mixin's version column)."""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from .extensions import db
from .models import Versioned


class EditConflict(Exception):
    """The row changed since the editor loaded it: saving would overwrite someone's edit."""


def check_version(row: Versioned, expected: int | None) -> None:
    """Refuse an edit based on an older version; `None` (a client that sent none) passes."""
    if expected is not None and expected != row.version:
        raise EditConflict


def flush_edit() -> None:
    """Write the pending changes; a save that landed in between is an EditConflict too."""
    try:
        db.session.flush()
    except StaleDataError:
        raise EditConflict from None
