"""Faults under a real server: a worker killed mid-import, a backup taken mid-traffic.

Both run gunicorn (tests/live_server.py) against the `app` fixture's
database, so they run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from expenses_app.extensions import db
from expenses_app.models import Expense, expense_tags

from .factories import DEFAULT_PASSWORD, category_id, make_expense, make_user
from .live_server import ROOT, SECRET_KEY, Browser, LiveServer
from .test_reliability_concurrency import expense_fields, sqlite_integrity

pytestmark = pytest.mark.slow

IMPORT_ROWS = 10_000
HEADER = "date,amount,category,description,payment_method,tags,notes"


def big_csv() -> bytes:
    lines = [HEADER] + [
        f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d},{n % 500 + 1}.{n % 100:02d},Imported,"
        f"Row {n},cash,bulk;batch-{n % 7},"
        for n in range(IMPORT_ROWS)
    ]
    return "\n".join(lines).encode()


def expenses_of(app, user_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(Expense.user_id == user_id))


def import_is_writing(app) -> bool:
    """True once the import's transaction holds the database's write side."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        # The POST began with BEGIN IMMEDIATE: no one else can start a write now.
        connection = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            connection.close()
    with app.app_context(), db.engine.connect() as connection:
        # Rows are going into `expenses` from another session, not yet committed.
        return bool(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE c.relname = 'expenses' AND l.mode = 'RowExclusiveLock' "
                    "AND l.pid <> pg_backend_pid()"
                )
            ).scalar()
        )


def test_a_worker_killed_mid_import_commits_all_or_nothing_and_a_rerun_adds_each_row_once(
    app, tmp_path
):
    user = make_user(app, "importer")
    content = big_csv()
    with LiveServer(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "gunicorn.log") as server:
        browser = Browser(server.base)
        browser.login(user.username, DEFAULT_PASSWORD)
        outcome: list[object] = []

        def post_import() -> None:
            try:
                outcome.append(browser.upload("/expenses/import", {}, {"file": ("b.csv", content)}))
            except OSError as exc:  # the connection dies with the worker
                outcome.append(exc)

        workers = server.worker_pids()
        poster = threading.Thread(target=post_import)
        poster.start()
        deadline = time.monotonic() + 30
        while not import_is_writing(app):
            assert time.monotonic() < deadline and poster.is_alive(), outcome
            time.sleep(0.02)
        if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "sqlite":
            # SQLite's lock is taken when the request starts: let the rows go in.
            time.sleep(0.3)
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        poster.join(timeout=60)

        after_kill = expenses_of(app, user.id)
        assert after_kill in (0, IMPORT_ROWS)
        sqlite_integrity(app)

        # gunicorn replaces the killed workers; the same file again adds what is missing.
        deadline = time.monotonic() + 30
        while not server._ready():
            assert time.monotonic() < deadline
            time.sleep(0.2)
        status, page = browser.upload("/expenses/import", {}, {"file": ("b.csv", content)})

    assert status == 200, page[-2000:]
    with app.app_context():
        rows = db.session.execute(
            select(Expense.description, func.count())
            .where(Expense.user_id == user.id)
            .group_by(Expense.description)
        ).all()
    assert len(rows) == IMPORT_ROWS
    assert {count for _, count in rows} == {1}
    sqlite_integrity(app)


def flask_cli(app, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "TEST_DATABASE_URL"}
    env |= {
        "APP_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": SECRET_KEY,
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_backup_taken_while_people_type_restores_a_consistent_database(
    app, tmp_path, scratch_app
):
    user = make_user(app, "typist")
    food = category_id(app, user.id, "Food")
    for n in range(200):
        make_expense(app, user.id, description=f"Before {n}", tags=("old", f"t{n % 5}"))
    stop = threading.Event()
    statuses: list[int] = []

    with LiveServer(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "gunicorn.log") as server:
        browser = Browser(server.base)
        browser.login(user.username, DEFAULT_PASSWORD)

        def keep_typing() -> None:
            n = 0
            while not stop.is_set():
                fields = expense_fields(food, f"During {n}") | {"tags": f"new, n{n % 9}"}
                statuses.append(browser.post("/expenses/new", fields)[0])
                n += 1

        typist = threading.Thread(target=keep_typing)
        typist.start()
        try:
            while len(statuses) < 5:
                time.sleep(0.05)
            backup = flask_cli(app, "backup", str(tmp_path / "live.zip"))
            written_during_backup = len(statuses)
            while len(statuses) < written_during_backup + 5:
                time.sleep(0.05)
        finally:
            stop.set()
            typist.join(timeout=60)

    assert backup.returncode == 0, backup.stderr
    assert set(statuses) == {302}
    kind = "postgresql" if "postgresql" in app.config["SQLALCHEMY_DATABASE_URI"] else "sqlite"
    target = scratch_app(kind)
    restored = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "live.zip")])
    assert restored.exit_code == 0, restored.output

    with target.app_context():
        count = db.session.scalar(select(func.count()).select_from(Expense))
        orphans = db.session.scalar(
            select(func.count())
            .select_from(expense_tags)
            .where(expense_tags.c.expense_id.not_in(select(Expense.id)))
        )
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
    # Everything from before, some of what was typed meanwhile, never a torn row.
    assert 200 < count < 200 + len(statuses)
    assert orphans == 0
    assert expenses_of(app, user.id) == 200 + len(statuses)


def test_the_same_file_imported_twice_at_once_adds_each_row_once(app, tmp_path):
    # A double-clicked submit, or two tabs: on PostgreSQL both imports used to
    # look for existing rows before either committed, so both inserted them all
    # (and both created the new category, one of them failing with a 500).
    user = make_user(app, "doubleclick")
    rows = 3000
    content = "\n".join(
        [HEADER]
        + [
            f"2025-01-{n % 28 + 1:02d},1.{n % 100:02d},Brand new,Twice {n},cash,,"
            for n in range(rows)
        ]
    ).encode()
    with LiveServer(
        app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "gunicorn.log", workers=2
    ) as server:
        browsers = [Browser(server.base) for _ in range(2)]
        for browser in browsers:
            browser.login(user.username, DEFAULT_PASSWORD)
        results: list[tuple[int, str]] = []
        threads = [
            threading.Thread(
                target=lambda b=browser: results.append(
                    b.upload("/expenses/import", {}, {"file": ("twice.csv", content)})
                )
            )
            for browser in browsers
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert sorted(status for status, _ in results) == [200, 200], [r[1][-1500:] for r in results]
    with app.app_context():
        counted = db.session.execute(
            select(Expense.description, func.count())
            .where(Expense.user_id == user.id)
            .group_by(Expense.description)
        ).all()
    assert len(counted) == rows
    assert {count for _, count in counted} == {1}
    sqlite_integrity(app)
