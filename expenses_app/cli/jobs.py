"""`flask jobs run [--date YYYY-MM-DD]`: all the periodic work in one command, for cron.

Each job runs in its own transaction and prints one line; a job that fails is
logged, reported and rolled back, and the others still run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import clock
from ..api.idempotency import REPLAY_WINDOW, delete_expired_keys  # issue 16
from ..auth.limiter_storage import delete_expired_counters  # issue 15
from ..auth.reset import delete_dead_reset_tokens
from ..auth.sessions import delete_dead_sessions
from ..auth.totp import delete_used_recovery_codes
from ..extensions import db
from ..imports.store import DRAFT_LIFETIME, purge_drafts  # issue 13
from .purge import purge_trash
from .recurring import one_line, post_every_ledger  # issue 14

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Moment:
    """When the jobs run: the date recurring posts by (`--date`) and the instant the rest
    compare ages with."""

    today: dt.date
    now: dt.datetime


class JobFailed(Exception):
    """A job that did part of its work (committed) and could not do the rest."""


def _recurring(moment: Moment) -> str:
    posted, failed = post_every_ledger(moment.today)
    line = f"posted {len(posted)} recurring expenses due by {moment.today.isoformat()}"
    if failed:
        raise JobFailed(f"{line}; {len(failed)} ledgers could not be posted: " + "; ".join(failed))
    return line


def _trash(moment: Moment) -> str:
    days = current_app.config["TRASH_RETENTION_DAYS"]
    count = purge_trash(moment.now - dt.timedelta(days=days))
    return f"purged {count} expenses trashed more than {days} days ago"


def _import_drafts(moment: Moment) -> str:
    count = purge_drafts(moment.now)
    return f"deleted {count} import drafts older than {DRAFT_LIFETIME.days} days"


def _idempotency_keys(moment: Moment) -> str:
    count = delete_expired_keys(moment.now)
    hours = int(REPLAY_WINDOW.total_seconds() // 3600)
    return f"deleted {count} API idempotency keys older than {hours} hours"


def _security_rows(moment: Moment) -> str:
    """Rows that can never let anyone in again; live sessions and links stay."""
    tokens = delete_dead_reset_tokens(moment.now)
    sessions = delete_dead_sessions(moment.now)
    codes = delete_used_recovery_codes()
    counters = delete_expired_counters()
    return (
        f"deleted {tokens} used or expired reset links, {sessions} expired or revoked "
        f"sessions, {codes} used recovery codes, {counters} expired rate-limit counters"
    )


JOBS: tuple[tuple[str, Callable[[Moment], str]], ...] = (
    ("recurring", _recurring),
    ("trash", _trash),
    ("import-drafts", _import_drafts),
    ("idempotency-keys", _idempotency_keys),
    ("security-rows", _security_rows),
)


def run_job(name: str, job: Callable[[Moment], str], moment: Moment) -> bool:
    """Run one job in its own transaction and print its line; False when it failed.

    Any exception counts: cron's one run a day must still do the other jobs.
    """
    try:
        summary = job(moment)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s failed", name)
        click.echo(f"{name}: FAILED: {one_line(exc)}")
        return False
    click.echo(f"{name}: {summary}")
    return True


@click.group("jobs")
def jobs_group() -> None:
    """Periodic work (for cron)."""


@jobs_group.command("run")
@click.option(
    "--date",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Post recurring expenses as if this were today (YYYY-MM-DD). Default: the server's "
    "local date.",
)
@with_appcontext
def run_command(as_of: dt.datetime | None) -> None:
    """Post due recurring expenses, purge the trash and old import drafts, and delete expired
    idempotency keys and dead security rows: once a day from cron.

    Prints one line per job; exits 1 when any failed (the others still ran).
    """
    today = as_of.date() if as_of is not None else clock.today()
    moment = Moment(today=today, now=clock.now())
    failed = [name for name, job in JOBS if not run_job(name, job, moment)]
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(JOBS)} jobs failed ({', '.join(failed)}): see the log above"
        )
