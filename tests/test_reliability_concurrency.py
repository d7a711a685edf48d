"""Several gunicorn workers, several browsers at once: nothing lost, nothing overwritten.

Each test runs the real server (tests/live_server.py) against the `app`
fixture's database, so it runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from expenses_app.extensions import db
from expenses_app.models import Budget, Category, Expense, User

from .factories import DEFAULT_PASSWORD, category_id, make_budget, make_expense, make_user
from .live_server import Browser, LiveServer

pytestmark = pytest.mark.slow

WRITERS = 8
PER_WRITER = 100
EDITED = 30
DELETED = 15
FAILURES = ("database is locked", "Traceback", "Internal Server Error", "[CRITICAL]")


def database_url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


def expense_fields(food: uuid.UUID, description: str, amount: str = "1.25") -> dict[str, str]:
    return {
        "amount": amount,
        "date": "2026-03-14",
        "category_id": str(food),
        "description": description,
        "payment_method": "debit_card",
        "tags": "load",
        "notes": "",
    }


def logged_in_browser(server: LiveServer, username: str) -> Browser:
    browser = Browser(server.base)
    browser.login(username, DEFAULT_PASSWORD)
    return browser


def assert_clean_log(server: LiveServer) -> None:
    log = server.log()
    for failure in FAILURES:
        assert failure not in log, log[-4000:]
    statuses = Counter(re.findall(r'HTTP/1\.[01]" (\d{3})', log))
    assert not [s for s in statuses if s.startswith("5")], statuses


def sqlite_integrity(app) -> None:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []


def test_eight_writers_and_an_editor_lose_nothing(app, tmp_path):
    user = make_user(app, "loadwriter")
    food = category_id(app, user.id, "Food")
    existing = [
        make_expense(app, user.id, description=f"Existing {n}", amount="3.00")
        for n in range(EDITED + DELETED)
    ]
    to_edit, to_delete = existing[:EDITED], existing[EDITED:]

    with LiveServer(database_url(app), tmp_path / "gunicorn.log", workers=4) as server:
        browsers = [logged_in_browser(server, user.username) for _ in range(WRITERS + 1)]
        writers, editor = browsers[:WRITERS], browsers[WRITERS]

        def write(number: int) -> list[int]:
            browser = writers[number]
            return [
                browser.post("/expenses/new", expense_fields(food, f"w{number}-{i}"))[0]
                for i in range(PER_WRITER)
            ]

        def edit_and_delete() -> list[int]:
            statuses = []
            for n, expense_id in enumerate(to_edit):
                fields = expense_fields(food, f"Edited {n}", amount="4.50") | {"version": "1"}
                statuses.append(editor.post(f"/expenses/{expense_id}/edit", fields)[0])
            for expense_id in to_delete:
                statuses.append(editor.post(f"/expenses/{expense_id}/delete", {})[0])
            return statuses

        with ThreadPoolExecutor(max_workers=WRITERS + 1) as pool:
            editing = pool.submit(edit_and_delete)
            written = list(pool.map(write, range(WRITERS)))
            edited = editing.result()

    assert all(status == 302 for statuses in written for status in statuses), written
    assert edited == [302] * (EDITED + DELETED)
    assert_clean_log(server)
    with app.app_context():
        live = db.session.execute(
            select(Expense.description, Expense.amount, Expense.version).where(
                Expense.user_id == user.id, Expense.deleted_at.is_(None)
            )
        ).all()
        trashed = db.session.scalar(
            select(func.count()).where(Expense.user_id == user.id, Expense.deleted_at.is_not(None))
        )
    descriptions = Counter(row.description for row in live)
    expected = {f"w{w}-{i}" for w in range(WRITERS) for i in range(PER_WRITER)}
    expected |= {f"Edited {n}" for n in range(EDITED)}
    assert set(descriptions) == expected
    assert max(descriptions.values()) == 1
    assert trashed == DELETED
    edited_rows = [row for row in live if row.description.startswith("Edited")]
    assert {(row.amount, row.version) for row in edited_rows} == {(Decimal("4.50"), 2)}
    sqlite_integrity(app)


def test_two_browsers_saving_the_same_expense_and_budget_in_two_workers(app, tmp_path):
    user = make_user(app, "twoeditors")
    food = category_id(app, user.id, "Food")
    expense_id = make_expense(app, user.id, description="Shared", amount="10.00")
    budget_id = make_budget(app, user.id, amount="100.00", category="Food")
    budget_fields = {
        "category_id": str(food),
        "period": "monthly",
        "start_date": "2026-01-01",
        "version": "1",
    }

    with LiveServer(database_url(app), tmp_path / "gunicorn.log", workers=2) as server:
        first, second = (logged_in_browser(server, user.username) for _ in range(2))
        # Both opened the forms at version 1; the first save wins, the second is told.
        saves = [
            first.post(
                f"/expenses/{expense_id}/edit",
                expense_fields(food, "First", "11.00") | {"version": "1"},
            ),
            second.post(
                f"/expenses/{expense_id}/edit",
                expense_fields(food, "Second", "12.00") | {"version": "1"},
            ),
            first.post(f"/budgets/{budget_id}/edit", budget_fields | {"amount": "150.00"}),
            second.post(f"/budgets/{budget_id}/edit", budget_fields | {"amount": "175.00"}),
        ]

    assert [status for status, _ in saves] == [302, 409, 302, 409]
    assert "changed elsewhere" in saves[1][1]
    assert_clean_log(server)
    with app.app_context():
        expense = db.session.get(Expense, expense_id)
        budget = db.session.get(Budget, budget_id)
        assert (expense.description, expense.amount, expense.version) == (
            "First",
            Decimal("11.00"),
            2,
        )
        assert (budget.amount, budget.version) == (Decimal("150.00"), 2)


def test_preloaded_workers_serve_300_requests_without_an_error(app, tmp_path):
    user = make_user(app, "preloaded")
    food = category_id(app, user.id, "Food")
    for n in range(5):
        make_expense(app, user.id, description=f"Seen {n}", date=dt.date(2026, 3, n + 1))
    pages = ["/", "/expenses/", "/budgets/", "/reports", "/categories/", "/health/db"]
    errors: list[tuple[str, int]] = []
    lock = threading.Lock()

    with LiveServer(
        database_url(app), tmp_path / "gunicorn.log", workers=2, preload=True
    ) as server:
        browsers = [logged_in_browser(server, user.username) for _ in range(3)]

        def visit(number: int) -> None:
            browser = browsers[number % 3]
            if number % 10 == 0:
                status, _ = browser.post("/expenses/new", expense_fields(food, f"p{number}"))
                expected = 302
            else:
                status, _ = browser.request(pages[number % len(pages)])
                expected = 200
            if status != expected:
                with lock:
                    errors.append((str(number), status))

        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(visit, range(300)))

    assert errors == []
    assert_clean_log(server)
    with app.app_context():
        created = db.session.scalar(
            select(func.count()).where(Expense.user_id == user.id, Expense.description.like("p%"))
        )
    assert created == 30
    sqlite_integrity(app)


LOAD_USERS = 10
LOAD_REQUESTS_PER_USER = 40


def test_loopback_load_smoke_ten_users_reading_and_writing(app, tmp_path):
    # RELIABILITY N2 with threads instead of locust: 10 users sign up (and so log
    # in) through the real form, then 80 % reads and 20 % writes on 2 workers.
    pages = ["/", "/expenses/", "/expenses/?q=Load", "/budgets/", "/reports"]
    latencies: list[float] = []
    failures: list[tuple[str, int]] = []
    writes: dict[str, int] = {}
    lock = threading.Lock()

    with LiveServer(database_url(app), tmp_path / "gunicorn.log", workers=2) as server:

        def one_user(number: int) -> None:
            browser = Browser(server.base)
            name = f"load{number}"
            account = {"email": f"{name}@example.com", "username": name, "full_name": name}
            account |= {"password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD}
            status, _ = browser.post("/auth/register", account)
            assert status == 302
            # Registering logged the browser in, with a new session and token.
            browser.token = None
            browser.csrf("/expenses/new")
            with app.app_context():
                food = db.session.scalar(
                    select(Category.id)
                    .join(User, User.id == Category.ledger_id)
                    .where(User.username == name, Category.name == "Food")
                )
            created = 0
            for n in range(LOAD_REQUESTS_PER_USER):
                started = time.monotonic()
                if n % 5 == 4:
                    status, _ = browser.post("/expenses/new", expense_fields(food, f"Load {n}"))
                    created += status == 302
                    expected = 302
                else:
                    status, _ = browser.request(pages[n % len(pages)])
                    expected = 200
                with lock:
                    latencies.append(time.monotonic() - started)
                    if status != expected:
                        failures.append((name, status))
            writes[name] = created

        with ThreadPoolExecutor(max_workers=LOAD_USERS) as pool:
            list(pool.map(one_user, range(LOAD_USERS)))

    assert failures == []
    assert_clean_log(server)
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)]
    print(f"loopback load smoke: {len(latencies)} requests, p95 {p95 * 1000:.0f} ms")
    with app.app_context():
        counts = dict(
            db.session.execute(
                select(User.username, func.count(Expense.id))
                .join(Expense, Expense.user_id == User.id)
                .group_by(User.username)
            ).all()
        )
    assert counts == writes
    assert sum(writes.values()) == LOAD_USERS * LOAD_REQUESTS_PER_USER // 5
    sqlite_integrity(app)
