"""Exactly once under load: 8 browsers loading pages on `gunicorn -w 4` and two
`flask recurring run` processes, all at the same moment, against the `app` fixture's
database (SQLite and PostgreSQL). Every due occurrence is posted once, nothing answers 5xx."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from expenses_app.extensions import db
from expenses_app.models import Expense, RecurringOccurrence

from .factories import add_member, make_rule, make_user
from .live_server import ROOT, LiveServer
from .test_reliability_concurrency import assert_clean_log, database_url, logged_in_browser

pytestmark = pytest.mark.slow

BROWSERS = 8
ROUNDS = 3
PAGES = ("/", "/expenses/", "/recurring/", "/budgets/", "/categories/")
WAIT_SECONDS = 150


def expected_dates(start: dt.date, today: dt.date, step_days: int) -> int:
    return (today - start).days // step_days + 1


def test_pages_and_two_runs_at_once_post_each_occurrence_exactly_once(app, tmp_path):
    today = dt.date.today()
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")
    with LiveServer(database_url(app), tmp_path / "gunicorn.log", workers=4) as server:
        browsers = [logged_in_browser(server, "alice" if n % 2 else "bob") for n in range(BROWSERS)]
        for browser in browsers[::2]:
            assert browser.post(f"/ledgers/{alice.id}/switch", {})[0] == 302
        # Made after the logins (whose pages would post them): due since weeks and months.
        make_rule(app, alice.id, description="Daily", frequency="daily",
                  start_date=today - dt.timedelta(days=40), amount="1.00")  # fmt: skip
        make_rule(app, alice.id, description="Weekly", frequency="weekly",
                  start_date=today - dt.timedelta(days=63), amount="2.00")  # fmt: skip
        make_rule(app, alice.id, description="Rent", start_date=today - dt.timedelta(days=95))
        statuses: Counter = Counter()
        barrier = threading.Barrier(BROWSERS + 1)

        def load(browser) -> None:
            barrier.wait(timeout=30)
            for _ in range(ROUNDS):
                for page in PAGES:
                    statuses[browser.request(page)[0]] += 1

        threads = [threading.Thread(target=load, args=(b,), daemon=True) for b in browsers]
        for thread in threads:
            thread.start()
        command = [sys.executable, "-m", "flask", "--app", "wsgi:app", "recurring", "run"]
        barrier.wait(timeout=30)
        runs = [
            subprocess.Popen(
                command, cwd=ROOT, env=server.environment(), stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True,
            )
            for _ in range(2)
        ]  # fmt: skip
        outputs = [run.communicate(timeout=WAIT_SECONDS)[0] for run in runs]
        for thread in threads:
            thread.join(timeout=WAIT_SECONDS)
            assert not thread.is_alive(), "a browser did not finish in time"

    assert [run.returncode for run in runs] == [0, 0], outputs
    assert statuses == {200: BROWSERS * ROUNDS * len(PAGES)}, statuses
    assert_clean_log(server)
    due = (
        expected_dates(today - dt.timedelta(days=40), today, 1)
        + expected_dates(today - dt.timedelta(days=63), today, 7)
        + 4  # rent: 95 days back holds 4 monthly dates (3 months are at most 92 days)
    )
    with app.app_context():
        per_date = db.session.execute(
            select(Expense.recurring_rule_id, Expense.occurrence_date, func.count()).group_by(
                Expense.recurring_rule_id, Expense.occurrence_date
            )
        ).all()
        occurrences = db.session.scalar(select(func.count()).select_from(RecurringOccurrence))
    assert {count for *_, count in per_date} == {1}
    assert len(per_date) == occurrences == due
