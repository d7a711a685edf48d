"""Category rules shared by the pages, registration, CSV import and the CLI."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import Category


@dataclass(frozen=True)
class DefaultCategory:
    name: str
    color: str
    icon: str


# The contract's defaults, in the contract's order.
DEFAULT_CATEGORIES = (
    DefaultCategory("Food", "#ef4444", "🍔"),
    DefaultCategory("Transport", "#3b82f6", "🚗"),
    DefaultCategory("Shopping", "#10b981", "🛍️"),
    DefaultCategory("Bills", "#f59e0b", "💳"),
    DefaultCategory("Entertainment", "#8b5cf6", "🎬"),
    DefaultCategory("Health", "#ec4899", "🏥"),
)


def category_key(name: str) -> str:
    """The case-insensitive identity of a category name ("Food" == " food ")."""
    return " ".join(name.split()).casefold()


def ensure_default_categories(user_id: uuid.UUID) -> list[str]:
    """Give the user each default category they lack; return the names added.

    Matching is case-insensitive, so a user's own "food" counts as Food.
    """
    existing = set(db.session.scalars(select(Category.name_key).where(Category.user_id == user_id)))
    added = []
    for default in DEFAULT_CATEGORIES:
        if category_key(default.name) in existing:
            continue
        db.session.add(
            Category(
                user_id=user_id,
                name=default.name,
                name_key=category_key(default.name),
                color=default.color,
                icon=default.icon,
                is_default=True,
            )
        )
        added.append(default.name)
    db.session.flush()
    return added
