"""The benchmark's shared ledger: 10 members, 100,000 expenses, some of them private.

`python -m bench.shared_ledger` (DATABASE_URL, DEMO_PASSWORD from the bench's
environment), run by `dataset.py` once the single-user dataset is in: the
owner is the measured user `bench` (whose own ledger stays single-user), the
nine others are new users `household1` to `household9`. Each member adds a
share of the expenses (`bench` the most, the others from 12 % down to 4 %)
and marks about one in ten of their own private, so a member reading the
ledger sees the others' private expenses masked and an "added by" on every
row. The reader the bench logs in as is `READER`, a member who added about
8 % of the rows: most of what they see was added by others.

The rows are drawn by the same generator as `flask demo-data` (same
categories, descriptions, amounts, dates, tags and notes), one ledger, with
the author and the private flag drawn per row; the derived tables (monthly
totals, SQLite's search copies, the ledger's page-cache version) are kept by
the triggers, as for any insert.
"""

from __future__ import annotations

import os
import random
import uuid

from sqlalchemy import insert, update

from expenses_app import clock, create_app
from expenses_app.auth.passwords import hash_password
from expenses_app.demo_data import _INSERT_EXPENSES, CHUNK_ROWS, _Generator, create_demo_user
from expenses_app.extensions import db
from expenses_app.ledgers.services import create_ledger
from expenses_app.models import LedgerMember, User, expense_tags

OWNER = "bench"
LEDGER_NAME = "Household"
MEMBERS = tuple(f"household{n}" for n in range(1, 10))
READER = "household3"
ROWS = 100_000
# Relative shares of the rows each member adds: the owner, then household1..9.
SHARES = (28, 12, 11, 10, 9, 8, 7, 6, 5, 4)
PRIVATE_SHARE = 0.1
SEED = 12


def build(rows: int = ROWS, seed: int = SEED) -> uuid.UUID:
    """Create the members and the ledger and fill it; commits. The ledger's id."""
    password_hash = hash_password(os.environ["DEMO_PASSWORD"])
    owner = db.session.scalars(db.select(User).where(User.username == OWNER)).one()
    members = [create_demo_user(name, password_hash) for name in MEMBERS]
    db.session.flush()
    ledger = create_ledger(owner.id, LEDGER_NAME)
    # Joined after their own ledger (which stays the oldest); plain members, who may write.
    joined = clock.now()
    for member in members:
        db.session.add(
            LedgerMember(ledger_id=ledger.id, user_id=member.id, role="member", joined_at=joined)
        )
    db.session.flush()
    authors = [owner.id] + [m.id for m in members]
    rng = random.Random(seed)
    generator = _Generator(rng, ledger.id, owner.id, clock.today())
    done = 0
    while done < rows:
        size = min(CHUNK_ROWS, rows - done)
        expenses, links = [], []
        for author in rng.choices(authors, weights=SHARES, k=size):
            row, tag_ids = generator.expense()
            row["user_id"] = author
            row["private"] = rng.random() < PRIVATE_SHARE
            expenses.append(row)
            links.extend({"expense_id": row["id"], "tag_id": tag_id} for tag_id in tag_ids)
        db.session.execute(_INSERT_EXPENSES, expenses)
        if links:
            db.session.execute(insert(expense_tags), links)
        done += size
    # The reader's next login starts in the shared ledger; the owner's stays in their own.
    reader = next(m for m in members if m.username == READER)
    db.session.execute(update(User).where(User.id == reader.id).values(last_ledger_id=ledger.id))
    db.session.commit()
    return ledger.id


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        print(build())
