"""Realistic demo expenses for trying the app and for benchmarks.

Rows go in through Core `insert()` executemany in chunks (the ORM unit of
work is far too slow for a million rows); the caller commits once. With a
seed, the same day gives the same rows; only their ids stay random, so a seed
reused for another user never collides.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from sqlalchemy import BigInteger, bindparam, insert

from . import clock
from .auth.services import normalise_email
from .categories.services import ensure_default_categories
from .demo_catalog import GENERIC, NOTES, PROFILES, TAG_NAMES, Item
from .expenses.services import resolve_tags
from .extensions import db
from .ledgers.current import first_ledger
from .ledgers.services import create_ledger
from .models import (
    PAYMENT_METHODS,
    PERSONAL_LEDGER_NAME,
    Category,
    Expense,
    User,
    expense_tags,
    name_key,
)
from .scoping import owned

CHUNK_ROWS = 5000
DAYS_BACK = 730
NOTE_SHARE = 0.04
TAG_SHARE = 0.3


@dataclass
class DemoResult:
    expenses: int = 0
    expense_tags: int = 0


def create_demo_user(username: str, password_hash: str) -> User:
    """A user `username` (email `<username>@example.com`) with a ledger of the default
    categories.

    Takes a ready hash: a benchmark creating a thousand users hashes their
    shared password once instead of a thousand times.
    """
    user = User(
        email=normalise_email(f"{username}@example.com"),
        username=username.strip(),
        username_key=name_key(username),
        password_hash=password_hash,
        is_verified=True,
    )
    db.session.add(user)
    db.session.flush()
    user.last_ledger_id = create_ledger(user.id, PERSONAL_LEDGER_NAME, ledger_id=user.id).id
    return user


def _amount_cents(rng: random.Random, item: Item) -> int:
    # Log-uniform within the item's range: many small amounts, a few large ones.
    cents = round(math.exp(rng.uniform(math.log(item.low), math.log(item.high))) * 100)
    if rng.random() < 0.3:  # shop prices often end in .99 or a round figure
        cents = cents // 100 * 100 + rng.choice((0, 50, 99))
    return max(cents, 1)


class _Generator:
    """Draws expense rows a user adds to a ledger (weights accumulated once: this runs a
    million times)."""

    def __init__(
        self, rng: random.Random, ledger_id: uuid.UUID, user_id: uuid.UUID, today: dt.date
    ) -> None:
        """Read the ledger's categories and create the demo tags (flushed, not committed)."""
        self.rng = rng
        self.ledger_id = ledger_id
        self.user_id = user_id
        self.today = today
        categories = db.session.scalars(
            owned(Category, ledger_id=ledger_id).order_by(Category.name_key)
        ).all()
        self.categories = [
            (category.id, PROFILES.get(category.name_key, GENERIC)) for category in categories
        ]
        self.category_weights = list(accumulate(p.weight for _, p in self.categories))
        self.payment_weights = {
            id(profile): list(accumulate(profile.payment_weights)) for _, profile in self.categories
        }
        tags = resolve_tags(ledger_id, TAG_NAMES)
        db.session.flush()
        self.tag_ids = [tag.id for tag in tags]

    def expense(self) -> tuple[dict[str, Any], list[uuid.UUID]]:
        """One expense row for a Core insert, and the ids of the tags it gets."""
        rng = self.rng
        category_id, profile = rng.choices(self.categories, cum_weights=self.category_weights)[0]
        item = rng.choice(profile.items)
        date = self.today - dt.timedelta(days=rng.randrange(DAYS_BACK))
        created_at = dt.datetime(
            date.year, date.month, date.day, rng.randrange(7, 23), rng.randrange(60), tzinfo=dt.UTC
        )
        payment_weights = self.payment_weights[id(profile)]
        row = {
            # Ids stay random: a seed reused for another user must not collide.
            "id": uuid.uuid4(),
            "ledger_id": self.ledger_id,
            "user_id": self.user_id,
            "private": False,
            "category_id": category_id,
            "amount_cents": _amount_cents(rng, item),
            "date": date,
            "description": item.description,
            "payment_method": rng.choices(PAYMENT_METHODS, cum_weights=payment_weights)[0],
            "notes": rng.choice(NOTES) if rng.random() < NOTE_SHARE else None,
            "deleted_at": None,
            "created_at": created_at,
            "updated_at": created_at,
            "version": 1,
        }
        tags = rng.sample(self.tag_ids, rng.choice((1, 1, 2))) if rng.random() < TAG_SHARE else []
        return row, tags


# Amounts are drawn as whole cents and bound as such, skipping the Decimal round trip.
_INSERT_EXPENSES = insert(Expense.__table__).values(
    amount_cents=bindparam("amount_cents", type_=BigInteger())
)


def add_demo_expenses(
    user_id: uuid.UUID,
    count: int,
    *,
    rng: random.Random,
    today: dt.date | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> DemoResult:
    """Insert `count` expenses the user adds to their first ledger (creating default
    categories and tags as needed).

    Expenses are spread over the ledger's categories, the last two years,
    payment methods and a few tags; some carry notes. Does not commit.
    """
    ledger_id = first_ledger(user_id)
    if ledger_id is None:
        raise LookupError("the user belongs to no ledger")
    ensure_default_categories(ledger_id)
    generator = _Generator(rng, ledger_id, user_id, today or clock.today())
    result = DemoResult()
    done = 0
    while done < count:
        size = min(CHUNK_ROWS, count - done)
        expenses, links = [], []
        for _ in range(size):
            row, tag_ids = generator.expense()
            expenses.append(row)
            links.extend({"expense_id": row["id"], "tag_id": tag_id} for tag_id in tag_ids)
        db.session.execute(_INSERT_EXPENSES, expenses)
        if links:
            db.session.execute(insert(expense_tags), links)
        done += size
        result.expenses += size
        result.expense_tags += len(links)
        if on_progress:
            on_progress(size)
    return result
