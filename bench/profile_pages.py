"""CPU cost per request of each page, through the test client: `python -m bench.profile_pages`.

The fixed per-request cost (routing, login, forms, templates, ORM) is what
keeps the pages far from the baseline's throughput at small data sizes. This
measures it without a server or a load generator, so figures are steady on a
busy machine: a scratch SQLite database with one user, ~1,000 demo expenses
and five budgets, a login through the real form, then for each page a
warm-up and `--rounds` rounds of `--requests` GETs timed with
`time.process_time` (the best round is kept: other processes only ever add).
The baseline app (`baseline_app.py`) is measured the same way on the same
database; `x base` is its CPU time over the page's, i.e. the page's
throughput as a share of the baseline's if both were CPU-bound.

`--top K` prints the K most expensive functions of each page (cProfile,
cumulative time); `--pages` picks pages by name, e.g. `--pages list detail`.
Deterministic: the data comes from a fixed seed (only ids are random).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import importlib
import io
import math
import os
import pstats
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, select

from expenses_app import create_app
from expenses_app.auth.passwords import hash_password
from expenses_app.budgets.services import BudgetValues, create_budget
from expenses_app.demo_data import add_demo_expenses, create_demo_user
from expenses_app.extensions import db
from expenses_app.models import Category, Expense

from .dataset import PASSWORD, SECRET_KEY, USER

SEED = 7
PER_PAGE = 20
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SKIP_SQL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "SET ")
# (category index by name, amount, period), as bench/probes.py gives the bench user.
BUDGETS = ((None, "2500.00", "monthly"), (0, "400.00", "monthly"), (1, "120.00", "weekly"),
           (2, "3000.00", "yearly"), (3, "250.00", "monthly"))  # fmt: skip


@dataclass
class Figure:
    name: str
    path: str
    cpu_ms: float
    statements: int
    profile: str = ""


def build_database(path: Path, expenses: int) -> tuple[Flask, dict[str, str]]:
    """A migrated SQLite file with the bench user's data; the app and the pages to load."""
    app = create_app(
        {
            "APP_ENV": "development",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": SECRET_KEY,
        }
    )
    today = dt.date.today()
    with app.app_context():
        upgrade()
        user = create_demo_user(USER, hash_password(PASSWORD))
        add_demo_expenses(user.id, expenses, rng=random.Random(SEED), today=today)
        categories = list(
            db.session.scalars(
                select(Category.id).where(Category.user_id == user.id).order_by(Category.name_key)
            )
        )
        for index, amount, period in BUDGETS:
            values = BudgetValues(
                amount=Decimal(amount),
                period=period,
                start_date=today.replace(month=1, day=1),
                category_id=None if index is None else categories[index],
            )
            create_budget(user.id, values)
        newest = db.session.scalar(
            select(Expense.id)
            .where(Expense.user_id == user.id)
            .order_by(Expense.date.desc(), Expense.created_at.desc())
            .limit(1)
        )
        db.session.commit()
    year_ago = (today - dt.timedelta(days=365)).isoformat()
    pages = {
        "dashboard": "/",
        "list": "/expenses/",
        "list filtered": f"/expenses/?category={categories[0]}&start={year_ago}&min=5&sort=amount",
        "list search": "/expenses/?q=coffee",
        "list last page": f"/expenses/?page={math.ceil(expenses / PER_PAGE)}",
        "detail": f"/expenses/{newest}",
        "budgets": "/budgets/",
        "reports": "/reports",
    }
    return app, pages


def logged_in_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    token = CSRF.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/auth/login", data={"login": USER, "password": PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise SystemExit(f"login failed with status {response.status_code}")
    return client


def baseline_client(path: Path) -> FlaskClient:
    """The baseline app on the same database (it reads its settings at import)."""
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["BENCH_USER"] = USER
    return importlib.import_module("bench.baseline_app").app.test_client()


def statement_counter(app: Flask) -> list[str]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(SKIP_SQL):
            statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
    return statements


def cpu_ms(get: Callable[[], object], requests: int, rounds: int) -> float:
    """Best of `rounds` rounds: CPU milliseconds per request."""
    best = math.inf
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(requests):
            get()
        best = min(best, time.process_time() - started)
    return best * 1000 / requests


def profile_text(get: Callable[[], object], requests: int, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        get()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    # Keep the table: drop pstats' preamble, shorten paths to the project or package.
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return "\n".join(_short_path(line) for line in lines[start:] if line.strip())


def _short_path(line: str) -> str:
    return re.sub(r"\S*/(site-packages|lib/python3\.\d+|expenses_app|bench)/", r"\1/", line)


def measure(
    name: str,
    path: str,
    client: FlaskClient,
    statements: list[str],
    args: argparse.Namespace,
) -> Figure:
    def get() -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")

    for _ in range(args.warmup):
        get()
    statements.clear()
    get()
    count = len(statements)
    figure = Figure(name, path, cpu_ms(get, args.requests, args.rounds), count)
    if args.top:
        figure.profile = profile_text(get, args.requests, args.top)
    return figure


def report(figures: list[Figure], baseline: Figure) -> str:
    lines = [
        f"{'page':<16} {'CPU ms/req':>10} {'x base':>7} {'SQL':>4}  path",
        f"{baseline.name:<16} {baseline.cpu_ms:>10.2f} {1:>7.2f} {baseline.statements:>4}  "
        f"{baseline.path}",
    ]
    for f in figures:
        ratio = baseline.cpu_ms / f.cpu_ms
        lines.append(f"{f.name:<16} {f.cpu_ms:>10.2f} {ratio:>7.2f} {f.statements:>4}  {f.path}")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_pages", description=__doc__)
    parser.add_argument("--expenses", type=int, default=1000, help="the user's expenses")
    parser.add_argument("--requests", type=int, default=100, help="GETs per round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (best kept)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed GETs first")
    parser.add_argument("--top", type=int, default=0, help="cProfile entries shown per page")
    parser.add_argument("--pages", nargs="*", help="only pages whose name starts with these")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="profile-pages-") as tmp:
        database = Path(tmp) / "pages.sqlite"
        app, pages = build_database(database, args.expenses)
        if args.pages:
            pages = {n: p for n, p in pages.items() if n.startswith(tuple(args.pages))}
        client = logged_in_client(app)
        statements = statement_counter(app)
        base_client = baseline_client(database)
        baseline = measure("baseline", "/", base_client, [], args)
        baseline.statements = 1
        figures = [measure(name, path, client, statements, args) for name, path in pages.items()]
        with app.app_context():
            db.engine.dispose()
    print(
        f"{args.expenses} expenses, best of {args.rounds} x {args.requests} GETs "
        f"after {args.warmup} warm-up GETs (test client, SQLite)"
    )
    print(report(figures, baseline))
    for figure in [baseline, *figures] if args.top else []:
        print(f"\n== {figure.name}: {figure.path}\n{figure.profile}")


if __name__ == "__main__":
    main()
