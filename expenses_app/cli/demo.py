"""`flask demo-data --user LOGIN --expenses N`: realistic data to try the app or benchmark it."""

from __future__ import annotations

import random

import click
from flask.cli import with_appcontext

from .. import clock
from ..auth.passwords import hash_password
from ..auth.services import find_user_by_login
from ..demo_data import add_demo_expenses, create_demo_user, first_ledger
from ..extensions import db
from ..models import User
from ..recurring.demo import add_demo_rules

USERNAME_MAX = 32


def _resolve_users(logins: tuple[str, ...], create: bool, password: str | None) -> list[User]:
    """Every named user; with `create`, missing ones are made (all checked before any insert)."""
    users, missing = [], []
    for login in logins:
        user = find_user_by_login(login)
        if user is None:
            missing.append(login)
        else:
            users.append(user)
    if missing and not create:
        raise click.ClickException(
            f"no user with email or username {missing[0]!r} (add --create-user to create it)"
        )
    if missing and not password:
        raise click.ClickException("--create-user needs --password (or DEMO_PASSWORD)")
    for login in missing:
        if "@" in login or not login.strip() or len(login.strip()) > USERNAME_MAX:
            raise click.ClickException(
                f"cannot create user {login!r}: give a username of 1-{USERNAME_MAX} characters"
            )
    if missing:
        password_hash = hash_password(password or "")
        users.extend(create_demo_user(login, password_hash) for login in missing)
    return users


@click.command("demo-data")
@click.option(
    "--user",
    "logins",
    metavar="LOGIN",
    required=True,
    multiple=True,
    help="Email or username; repeat the option for several users.",
)
@click.option(
    "--expenses",
    "count",
    type=click.IntRange(0, 10_000_000),
    default=1000,
    show_default=True,
    help="Expenses to add for each user.",
)
@click.option("--seed", type=int, help="Random seed: the same seed gives the same data.")
@click.option("--create-user", is_flag=True, help="Create users that do not exist yet.")
@click.option(
    "--password", envvar="DEMO_PASSWORD", help="Password for created users (or DEMO_PASSWORD)."
)
@with_appcontext
def demo_data_command(
    logins: tuple[str, ...], count: int, seed: int | None, create_user: bool, password: str | None
) -> None:
    """Add COUNT realistic expenses for each user, in one transaction.

    Spread over the user's categories (the defaults are added if missing),
    the last two years, payment methods and tags, with a few notes.
    """
    users = _resolve_users(logins, create_user, password)
    rng = random.Random(seed)
    total_tags = 0
    with click.progressbar(length=count * len(users), label="Adding expenses") as bar:
        for user in users:
            result = add_demo_expenses(user.id, count, rng=rng, on_progress=bar.update)
            total_tags += result.expense_tags
    rules = sum(add_demo_rules(first_ledger(u.id), u.id, rng, clock.today()) for u in users)
    db.session.commit()
    names = ", ".join(user.username for user in users)
    click.echo(f"Added {count * len(users):,} expenses ({total_tags:,} tag links) for {names}.")
    click.echo(f"Added {rules} recurring expenses (see /recurring/).")
