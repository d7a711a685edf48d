"""CPU cost per request of each page, through the test client: `python -m bench.profile_pages`.

The fixed per-request cost (routing, login, forms, templates, ORM) is what
keeps the pages far from the baseline's throughput at small data sizes. This
measures it without a server or a load generator: a scratch SQLite database
with one user, 1,000 demo expenses and five budgets, a login through the
real form, then for each page a warm-up, one GET with a statement counter
and a few under cProfile, and `--rounds` rounds of `--requests` GETs timed
with `time.process_time`. The baseline app (`baseline_app.py`) runs on the
same database in the same rounds.

Columns: `CPU ms/req`, the best round (other processes on this shared
machine only ever add; rounds visit every page in turn so a busy spell hits
them alike); `x base`, the baseline's CPU time over the page's, i.e. the
page's throughput as a share of the baseline's if both were CPU-bound;
`calls/req`, Python function calls per GET under cProfile, which does not
depend on the machine's load and so shows a change of a few percent that
the timings cannot; `SQL`, statements per GET (BEGIN/COMMIT/PRAGMA left out).

`--top K` prints the K most expensive functions of each page (cumulative
time); `--pages` picks pages by name, e.g. `--pages list detail`. The data
comes from a fixed seed (only ids are random).
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
    get: Callable[[], None]
    statements: int = 0
    calls: float = 0.0
    cpu_ms: float = math.inf
    profile: str = ""


def build_database(path: Path, expenses: int, cache: bool) -> tuple[Flask, dict[str, str]]:
    """A migrated SQLite file with the bench user's data; the app and the pages to load."""
    app = create_app(
        {
            "APP_ENV": "development",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": SECRET_KEY,
            # Off by default: this measures what rendering a page costs.
            "PAGE_CACHE_BYTES": 16 * 1024 * 1024 if cache else 0,
        }
    )
    today = dt.date.today()
    with app.app_context():
        upgrade()
        categories, newest = _seed(expenses, today)
    return app, _pages(categories, newest, expenses, today)


def _seed(expenses: int, today: dt.date) -> tuple[list, object]:
    """The bench user with `expenses` demo expenses and the budgets; their category ids (by
    name) and newest expense id."""
    user = create_demo_user(USER, hash_password(PASSWORD))
    add_demo_expenses(user.id, expenses, rng=random.Random(SEED), today=today)
    ledger = select(Category.id).where(Category.ledger_id == user.last_ledger_id)
    categories = list(db.session.scalars(ledger.order_by(Category.name_key)))
    for index, amount, period in BUDGETS:
        values = BudgetValues(
            amount=Decimal(amount),
            period=period,
            start_date=today.replace(month=1, day=1),
            category_id=None if index is None else categories[index],
        )
        create_budget(user.last_ledger_id, values)
    newest = db.session.scalar(
        select(Expense.id)
        .where(Expense.ledger_id == user.last_ledger_id)
        .order_by(Expense.date.desc(), Expense.created_at.desc())
        .limit(1)
    )
    db.session.commit()
    return categories, newest


def _pages(categories: list, newest: object, expenses: int, today: dt.date) -> dict[str, str]:
    year_ago = (today - dt.timedelta(days=365)).isoformat()
    return {
        "dashboard": "/",
        "list": "/expenses/",
        "list filtered": f"/expenses/?category={categories[0]}&start={year_ago}&min=5&sort=amount",
        "list search": "/expenses/?q=coffee",
        "list last page": f"/expenses/?page={math.ceil(expenses / PER_PAGE)}",
        "detail": f"/expenses/{newest}",
        "budgets": "/budgets/",
        "reports": "/reports",
    }


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


def page(name: str, path: str, client: FlaskClient) -> Figure:
    def get() -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")

    return Figure(name, path, get)


def prepare(figure: Figure, statements: list[str], args: argparse.Namespace) -> None:
    """Warm up, count the statements of one GET, profile `args.profiled` GETs."""
    for _ in range(args.warmup):
        figure.get()
    statements.clear()
    figure.get()
    figure.statements = len(statements)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.profiled):
        figure.get()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    figure.calls = stats.total_calls / args.profiled
    if args.top:
        stats.sort_stats("cumulative").print_stats(args.top)
        figure.profile = _profile_table(stats.stream.getvalue())


def _profile_table(text: str) -> str:
    # Keep the table: drop pstats' preamble, shorten paths to the project or package.
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return "\n".join(_short_path(line) for line in lines[start:] if line.strip())


def _short_path(line: str) -> str:
    return re.sub(r"\S*/(site-packages|lib/python3\.\d+|expenses_app|bench)/", r"\1/", line)


def time_rounds(figures: list[Figure], args: argparse.Namespace) -> None:
    """CPU ms per request, the best round of each page.

    Rounds go through every page in turn, so a busy spell on the machine
    slows all pages of a round alike instead of one page's figure.
    """
    for _ in range(args.rounds):
        for figure in figures:
            started = time.process_time()
            for _ in range(args.requests):
                figure.get()
            elapsed = (time.process_time() - started) * 1000 / args.requests
            figure.cpu_ms = min(figure.cpu_ms, elapsed)


def report(figures: list[Figure]) -> str:
    baseline = figures[0]
    lines = [f"{'page':<16} {'CPU ms/req':>10} {'x base':>7} {'calls/req':>9} {'SQL':>4}  path"]
    for f in figures:
        ratio = baseline.cpu_ms / f.cpu_ms
        lines.append(
            f"{f.name:<16} {f.cpu_ms:>10.2f} {ratio:>7.2f} {f.calls:>9.0f} {f.statements:>4}  "
            f"{f.path}"
        )
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.profile_pages",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--expenses", type=int, default=1000, help="the user's expenses")
    parser.add_argument("--requests", type=int, default=20, help="GETs per page and round")
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds (best kept)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed GETs first")
    parser.add_argument("--profiled", type=int, default=10, help="GETs under cProfile")
    parser.add_argument("--top", type=int, default=0, help="cProfile entries shown per page")
    parser.add_argument("--pages", nargs="*", help="only pages whose name starts with these")
    parser.add_argument(
        "--cache", action="store_true", help="page cache on: measure repeated views instead"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="profile-pages-") as tmp:
        database = Path(tmp) / "pages.sqlite"
        app, pages = build_database(database, args.expenses, args.cache)
        if args.pages:
            pages = {n: p for n, p in pages.items() if n.startswith(tuple(args.pages))}
        client = logged_in_client(app)
        statements = statement_counter(app)
        baseline = page("baseline", "/", baseline_client(database))
        prepare(baseline, [], args)
        baseline.statements = 1
        figures = [page(name, path, client) for name, path in pages.items()]
        for figure in figures:
            prepare(figure, statements, args)
        figures.insert(0, baseline)
        time_rounds(figures, args)
        with app.app_context():
            db.engine.dispose()
    print(
        f"{args.expenses} expenses, page cache {'on' if args.cache else 'off'}; "
        f"CPU: best of {args.rounds} rounds of {args.requests} GETs "
        f"per page, pages interleaved; calls: Python function calls per GET (cProfile)"
    )
    print(report(figures))
    for figure in figures if args.top else []:
        print(f"\n== {figure.name}: {figure.path}\n{figure.profile}")


if __name__ == "__main__":
    main()
