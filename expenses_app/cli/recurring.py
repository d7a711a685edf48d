"""`flask recurring run [--date YYYY-MM-DD]`: post every due recurring expense (for cron)."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from .. import clock
from ..extensions import db
from ..money import format_money
from ..recurring.posting import Posted, due_ledgers, post_due


def one_line(exc: Exception) -> str:
    """A failure as one line for the command's output (the database's own message when a
    DBAPI error is wrapped by SQLAlchemy, else the exception's; never empty)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip() or type(exc).__name__
    return text.splitlines()[0]


@click.group("recurring")
def recurring_group() -> None:
    """Recurring expenses."""


@recurring_group.command("run")
@click.option(
    "--date",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Act as if this were today (YYYY-MM-DD). Default: the server's local date.",
)
@with_appcontext
def run_command(as_of: dt.datetime | None) -> None:
    """Post the occurrences of every ledger's automatic rules dated today or earlier.

    Safe to run at any time and from several places at once: each occurrence
    is posted once. Prints one line per posted expense.
    """
    today = as_of.date() if as_of is not None else clock.today()
    posted, failed = post_every_ledger(today)
    for item in posted:
        amount = format_money(item.amount)
        click.echo(f"{item.date.isoformat()}  {amount:>12}  {item.description}")
    click.echo(f"Posted {len(posted)} recurring expenses due by {today.isoformat()}.")
    if failed:
        raise click.ClickException(
            f"{len(failed)} ledgers could not be posted now, run again: " + "; ".join(failed)
        )


def post_every_ledger(today: dt.date) -> tuple[list[Posted], list[str]]:
    """Post every ledger's due occurrences, committing ledger by ledger (also `flask jobs run`).

    Returns what was posted and one line per ledger that could not be posted
    now (a lock timeout or a deadlock with another run: it waits for the next).
    """
    posted: list[Posted] = []
    failed: list[str] = []
    for ledger_id in due_ledgers(today):
        try:
            ledger_posted = post_due(ledger_id, today)
            db.session.commit()
        except OperationalError as exc:
            db.session.rollback()
            failed.append(f"ledger {ledger_id}: {one_line(exc)}")
        else:
            posted.extend(ledger_posted)
    return posted, failed
