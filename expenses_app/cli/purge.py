"""`flask purge-trash`: permanently delete expenses that stayed in the trash too long."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import delete

from ..extensions import db
from ..imports.store import DRAFT_LIFETIME, purge_drafts  # issue 13
from ..models import Expense, utcnow


def purge_trash(older_than: dt.datetime) -> int:
    """Delete, for every user, expenses moved to the trash before `older_than`.

    Their tags links and receipts go with them (ON DELETE CASCADE). Returns
    how many expenses were deleted; the caller commits.
    """
    result = db.session.execute(
        delete(Expense)
        .where(Expense.deleted_at.is_not(None), Expense.deleted_at < older_than)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


@click.command("purge-trash")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Keep what was trashed within this many days (default: TRASH_RETENTION_DAYS, 30).",
)
@with_appcontext
def purge_trash_command(days: int | None) -> None:
    """Permanently delete expenses that have been in the trash for more than N days."""
    if days is None:
        days = current_app.config["TRASH_RETENTION_DAYS"]
    count = purge_trash(utcnow() - dt.timedelta(days=days))
    db.session.commit()
    noun = "expense" if count == 1 else "expenses"
    click.echo(f"Purged {count} {noun} that had been in the trash for more than {days} days.")
    # Issue 13: import drafts (and their stored files) older than seven days go too.
    drafts = purge_drafts(utcnow())
    db.session.commit()
    click.echo(f"Deleted {drafts} import drafts older than {DRAFT_LIFETIME.days} days.")
