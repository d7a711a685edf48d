"""`flask seed-categories`: default categories for users who lack them."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..auth.services import find_user_by_login
from ..categories.services import ensure_default_categories
from ..extensions import db
from ..models import User


@click.command("seed-categories")
@click.option("--user", "login", metavar="LOGIN", help="Only this user (email or username).")
@with_appcontext
def seed_categories_command(login: str | None) -> None:
    """Give every user (or one) the default categories they lack."""
    if login:
        user = find_user_by_login(login)
        if user is None:
            raise click.ClickException(f"no user with email or username {login!r}")
        users = [user]
    else:
        users = list(db.session.scalars(select(User).order_by(User.created_at)))
    total = 0
    for user in users:
        added = ensure_default_categories(user.id)
        total += len(added)
        if added:
            click.echo(f"{user.username}: added {', '.join(added)}")
    db.session.commit()
    click.echo(f"Added {total} categories for {len(users)} users." if total else "Nothing to add.")
