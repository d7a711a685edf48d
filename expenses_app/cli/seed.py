"""`flask seed-categories`: default categories for ledgers that lack them."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..auth.services import find_user_by_login
from ..categories.services import ensure_default_categories
from ..extensions import db
from ..models import Ledger, LedgerMember, User


@click.command("seed-categories")
@click.option("--user", "login", metavar="LOGIN", help="Only the ledgers this user owns.")
@with_appcontext
def seed_categories_command(login: str | None) -> None:
    """Give every ledger (or every ledger LOGIN owns) the default categories it lacks."""
    stmt = select(Ledger).order_by(Ledger.created_at, Ledger.id)
    if login:
        user = find_user_by_login(login)
        if user is None:
            raise click.ClickException(f"no user with email or username {login!r}")
        owned_by = select(LedgerMember.ledger_id).where(
            LedgerMember.user_id == user.id, LedgerMember.role == "owner"
        )
        stmt = stmt.where(Ledger.id.in_(owned_by))
    ledgers = list(db.session.scalars(stmt))
    total = 0
    for ledger in ledgers:
        added = ensure_default_categories(ledger.id)
        total += len(added)
        if added:
            click.echo(f"{_owners(ledger.id)} / {ledger.name}: added {', '.join(added)}")
    db.session.commit()
    click.echo(
        f"Added {total} categories for {len(ledgers)} ledgers." if total else "Nothing to add."
    )


def _owners(ledger_id) -> str:
    """The usernames of a ledger's owners, to name it in the output (names repeat)."""
    stmt = (
        select(User.username)
        .join(LedgerMember, LedgerMember.user_id == User.id)
        .where(LedgerMember.ledger_id == ledger_id, LedgerMember.role == "owner")
        .order_by(User.username_key)
    )
    return ", ".join(db.session.scalars(stmt)) or "no owner"
