"""`flask demo-data` adds a few recurring rules a household has (issue 14)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal

from ..categories.services import category_choices
from ..scoping import Scope
from .services import RuleValues, create_rule

# description, category, amount range, frequency, interval, payment method, mode, tags
DEMO_RULES = (
    ("Rent", "Bills", (700, 1400), "monthly", 1, "bank_transfer", "auto", ("home",)),
    ("Phone plan", "Bills", (15, 40), "monthly", 1, "debit_card", "auto", ()),
    ("Streaming", "Entertainment", (8, 18), "monthly", 1, "credit_card", "auto", ("subscription",)),
    ("Gym", "Health", (20, 50), "monthly", 1, "debit_card", "confirm", ()),
    ("Car insurance", "Transport", (300, 900), "yearly", 1, "bank_transfer", "auto", ()),
)


def add_demo_rules(
    ledger_id: uuid.UUID, user_id: uuid.UUID, rng: random.Random, today: dt.date
) -> int:
    """Add the demo rules whose category the ledger has, each started within the last month
    (so a first page shows some posted). Returns how many. Does not commit."""
    categories = {name: category_id for category_id, name in category_choices(ledger_id)}
    scope = Scope(ledger_id, user_id, "member")
    added = 0
    for description, category, (low, high), frequency, interval, method, mode, tags in DEMO_RULES:
        if category not in categories:
            continue
        create_rule(
            scope,
            RuleValues(
                amount=Decimal(rng.randint(low * 100, high * 100)) / 100,
                category_id=categories[category],
                description=description,
                frequency=frequency,
                interval=interval,
                start_date=today - dt.timedelta(days=rng.randint(0, 27)),
                mode=mode,
                payment_method=method,
                tags=tags,
            ),
        )
        added += 1
    return added
