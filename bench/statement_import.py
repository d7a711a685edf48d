"""Time a 10,000-row bank statement through the importer's pages (issue 13).

    python -m bench.statement_import                         # SQLite (a temporary file)
    python -m bench.statement_import --postgres postgresql://postgres@127.0.0.1/mydb
    python -m bench.statement_import --json    # also a last line of JSON (`make bench` reads it)

The database is migrated fresh (on PostgreSQL its `public` schema is replaced:
give it a database of its own). Each run makes a user whose ledger holds
USER_ROWS demo expenses, logs in through the real form, and uploads a German
giro statement (cp1252, `;`, a preamble, `1.234,56`, DD.MM.YYYY) of
IMPORT_ROWS lines through the test client: upload, mapping (as pre-filled),
review page, then commit of every checked line. Wall time per step is
printed per run, then the median over the runs; the targets are upload to
review under 3 s and commit under 2 s. `make bench` runs it on SQLite and, with
BENCH_DATABASE_URL, on a database of its own beside that one (see run.py), and
shows the medians as a section of results.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import re
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from config import normalise_database_url
from expenses_app import create_app
from expenses_app.auth.passwords import hash_password
from expenses_app.demo_data import add_demo_expenses, create_demo_user
from expenses_app.extensions import db

PASSWORD = "statement-import-password"
USER_ROWS = 10_000
IMPORT_ROWS = 10_000
TODAY = dt.date(2026, 11, 1)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SELECT = re.compile(r'<select[^>]*name="([a-z_0-9]+)"[^>]*>(.*?)</select>', re.S)
CHOSEN = re.compile(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected')
TARGETS = {"upload to review": 3.0, "commit": 2.0}


@dataclass
class StatementImport:
    """One database's figures: per step, the median seconds of `runs` imports."""

    kind: str  # "SQLite" or "PostgreSQL", as the rest of results.md names them
    when: str  # UTC, when the runs ended
    runs: int
    rows: int  # lines committed per import
    seconds: dict[str, float]


def statement(rows: int) -> bytes:
    """A German bank's CSV export of `rows` card payments and transfers."""
    rng = random.Random(13)
    lines = [
        '"Kontoauszug";""',
        '"Konto:";"DE12 3456"',
        "",
        "Buchungstag;Empfänger;Verwendungszweck;Betrag",
    ]
    for n in range(rows):
        day = TODAY - dt.timedelta(days=n % 700)
        cents = rng.randint(100, 250_000)
        amount = f"-{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"
        lines.append(f'{day:%d.%m.%Y};Händler {n % 900};"Karte {n} Einkauf";{amount}')
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def fresh_app(url: str | None, workdir: Path) -> Flask:
    if url is None:
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        engine = sa.create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        url = normalise_database_url(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
    return app


def make_user(app: Flask, name: str) -> None:
    with app.app_context():
        user = create_demo_user(name, hash_password(PASSWORD))
        add_demo_expenses(user.id, USER_ROWS, rng=random.Random(1), today=TODAY)
        db.session.commit()


def token(client, url: str) -> str:
    return CSRF.search(client.get(url).get_data(as_text=True)).group(1)


def prefilled(html: str) -> dict[str, str]:
    """The mapping form's selects as the page pre-fills them."""
    values = {}
    for name, body in SELECT.findall(html):
        chosen = CHOSEN.search(body)
        values[name] = "" if chosen is None else next(g for g in chosen.groups() if g is not None)
    return values


def one_run(app: Flask, name: str, data: bytes) -> dict[str, float]:
    """Seconds per step for one user's import of `data`."""
    make_user(app, name)
    client = app.test_client()
    client.post(
        "/auth/login",
        data={"login": name, "password": PASSWORD, "csrf_token": token(client, "/auth/login")},
    )
    times = {}
    started = time.perf_counter()
    form = {
        "file": (io.BytesIO(data), "statement.csv"),
        "csrf_token": token(client, "/imports/new"),
    }
    response = client.post("/imports/new", data=form, content_type="multipart/form-data")
    batch = response.headers["Location"].split("/imports/")[1].split("/")[0]
    times["upload"] = time.perf_counter() - started
    step = time.perf_counter()
    html = client.get(f"/imports/{batch}/mapping").get_data(as_text=True)
    values = prefilled(html) | {"skip_lines": "3", "has_header": "y"}
    values["csrf_token"] = CSRF.search(html).group(1)
    assert client.post(f"/imports/{batch}/mapping", data=values).status_code == 302
    times["mapping"] = time.perf_counter() - step
    step = time.perf_counter()
    review = client.get(f"/imports/{batch}").get_data(as_text=True)
    times["review page"] = time.perf_counter() - step
    times["upload to review"] = time.perf_counter() - started
    checked = dict.fromkeys(re.findall(r'name="(include_\d+)"[^>]*checked', review), "1")
    default = re.search(
        r'name="default_category".*?<option value="([0-9a-f-]{36})"', review, re.S
    ).group(1)
    fields = checked | {"default_category": default, "payment_method": "debit_card"}
    fields["csrf_token"] = CSRF.search(review).group(1)
    step = time.perf_counter()
    done = client.post(f"/imports/{batch}/commit", data=fields)
    times["commit"] = time.perf_counter() - step
    assert done.status_code == 302, done.status_code
    times["rows added"] = len(checked)
    return times


def measure(url: str | None, runs: int) -> StatementImport:
    """Import the statement `runs` times into a fresh database (SQLite if `url` is None),
    printing each run; the medians."""
    data = statement(IMPORT_ROWS)
    measured = []
    with tempfile.TemporaryDirectory() as workdir:
        app = fresh_app(url, Path(workdir))
        for n in range(runs):
            measured.append(one_run(app, f"importer{n}", data))
            print(f"run {n + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in measured[-1].items()))
        with app.app_context():
            db.engine.dispose()
    rows = measured[0].pop("rows added")
    for run in measured[1:]:
        run.pop("rows added")
    seconds = {key: statistics.median(run[key] for run in measured) for key in measured[0]}
    when = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
    return StatementImport("PostgreSQL" if url else "SQLite", when, runs, int(rows), seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL whose public schema may be replaced")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="end with the medians as JSON")
    args = parser.parse_args()
    result = measure(args.postgres, args.runs)
    print(f"{result.kind}, median of {result.runs} runs ({result.rows:,} rows added each):")
    for key, value in result.seconds.items():
        target = f" (target < {TARGETS[key]:.0f} s)" if key in TARGETS else ""
        print(f"  {key}: {value:.2f} s{target}")
    if args.json:
        print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
