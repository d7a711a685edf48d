"""Time the CSV import of 10,000 rows through the test client, with a profile.

    python -m bench.profile_import                      # SQLite
    python -m bench.profile_import --postgres postgresql://postgres@127.0.0.1/mydb

The user holds 100,000 demo expenses (`demo_data.py`, fixed seed and date);
`--other-rows 900000` adds another user's, for the bench's 1,000,000-row
database. The SQLite file is built once and cached under
instance/profile_import/, and each run imports into a fresh copy of it. A
PostgreSQL database (its `public` schema is replaced when its dataset is
stale) is built in place; the rows an import adds are deleted again
afterwards. The CSV has the contract's format with tags, notes, quotes,
formula escapes, non-ASCII text, new categories, and 100 rows the user
already has (skipped as duplicates). Each run logs in through the real form
and POSTs the file with its CSRF token; wall time and this process's CPU time
are printed per run, then one more run under cProfile gives the top functions
by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import pstats
import random
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from config import normalise_database_url
from expenses_app import create_app
from expenses_app.auth.passwords import hash_password
from expenses_app.demo_data import add_demo_expenses, create_demo_user
from expenses_app.expenses.csv_format import HEADER, escape_cell
from expenses_app.extensions import db

from .dataset import ROOT, schema_head

CACHE_DIR = ROOT / "instance" / "profile_import"
DATASET_VERSION = 1
USER = "importer"
PASSWORD = "profile-import-password"
USER_ROWS = 100_000
IMPORT_ROWS = 10_000
DUPLICATES = 100
TODAY = dt.date(2026, 11, 1)
MARK = "Imported "
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DONE = re.compile(r"([\d,]+) imported, ([\d,]+) skipped as duplicates")

CATEGORIES = ("Food", "Transport", "shopping", "Bills", "Café & Bäckerei", "Garden  tools")
DESCRIPTIONS = (
    "Coffee",
    'Lunch, with "friends"',
    "Café crème ☕ — Zürich",
    "=SUM(A1:A2)",
    "Groceries\nsecond line",
    "Train ticket Köln → Berlin",
)
TAGS = ("work", "Travel", "family", "ünïcode", "-minus", "project x", "Q4")
NOTES = ("", "", "", "", "Paid by card", 'He said "thanks", twice', "multi\r\nline note", "+1 €")
METHODS = ("cash", "credit_card", "debit_card", "bank_transfer", "mobile_payment", "")


def build_app(url: str) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})


def fill(url: str, other_rows: int) -> None:
    """Migrate, add the user with USER_ROWS demo expenses (deterministic but for ids)
    and another user with `other_rows`."""
    app = build_app(url)
    with app.app_context():
        upgrade()
        password_hash = hash_password(PASSWORD)
        for name, rows, seed in ((USER, USER_ROWS, 1), ("others", other_rows, 2)):
            if rows:
                user = create_demo_user(name, password_hash)
                add_demo_expenses(user.id, rows, rng=random.Random(seed), today=TODAY)
                db.session.commit()
        db.engine.dispose()


def dataset_key(other_rows: int) -> str:
    return f"v{DATASET_VERSION}-{USER_ROWS}-{other_rows}-{schema_head()}"


def sqlite_dataset(other_rows: int) -> Path:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"{dataset_key(other_rows)}.sqlite"
    for stale in CACHE_DIR.glob("*.sqlite*"):
        if schema_head() not in stale.name:
            stale.unlink()
    if not path.exists():
        building = path.with_suffix(".building")
        print(f"building {path.name} ({USER_ROWS + other_rows:,} expenses)...", flush=True)
        fill(f"sqlite:///{building}", other_rows)
        building.rename(path)
    return path


def postgres_dataset(url: str, other_rows: int) -> None:
    key = dataset_key(other_rows)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS profile_import_dataset (key text)"))
        current = conn.execute(sa.text("SELECT key FROM profile_import_dataset")).scalar()
    if current != key:
        print(f"building the PostgreSQL dataset ({USER_ROWS + other_rows:,} expenses)", flush=True)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        fill(url, other_rows)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE profile_import_dataset (key text)"))
            conn.execute(sa.text("INSERT INTO profile_import_dataset VALUES (:k)"), {"k": key})
        vacuum(engine)
    engine.dispose()


def vacuum(engine: sa.Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


def existing_rows(url: str) -> list[list[str]]:
    """DUPLICATES of the user's expenses, as CSV rows (the import must skip them)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT e.date, e.amount_cents, c.name, e.description FROM expenses e"
                " JOIN categories c ON c.id = e.category_id JOIN users u ON u.id = e.user_id"
                " WHERE u.username = :u AND e.deleted_at IS NULL"
                " ORDER BY e.date, e.amount_cents, e.description LIMIT :n"
            ),
            {"u": USER, "n": DUPLICATES},
        ).all()
    engine.dispose()
    return [
        [str(date)[:10], f"{cents // 100}.{cents % 100:02d}", escape_cell(name), escape_cell(text)]
        + ["cash", "", ""]
        for date, cents, name, text in rows
    ]


def import_file(duplicates: list[list[str]]) -> bytes:
    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n in range(IMPORT_ROWS - len(duplicates)):
        tags = rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2, 3)))
        writer.writerow(
            [
                (TODAY - dt.timedelta(days=rng.randrange(700))).isoformat(),
                f"{rng.randrange(1, 400)}.{rng.randrange(100):02d}",
                rng.choice(CATEGORIES),
                escape_cell(f"{MARK}{n} {rng.choice(DESCRIPTIONS)}"),
                rng.choice(METHODS),
                escape_cell(";".join(tags)),
                escape_cell(rng.choice(NOTES)),
            ]
        )
    writer.writerows(duplicates)
    return out.getvalue().encode()


@contextmanager
def sqlite_copy(source: Path) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="profile-import-") as tmp:
        target = Path(tmp) / "db.sqlite"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"


CLEANUP = (  # what an import added: its expenses and tags, new categories and tags
    "DELETE FROM expense_tags WHERE expense_id IN"
    " (SELECT id FROM expenses WHERE description LIKE :m)",
    "DELETE FROM expenses WHERE description LIKE :m",
    "DELETE FROM categories WHERE NOT EXISTS (SELECT 1 FROM expenses e"
    " WHERE e.category_id = categories.id) AND name_key IN ('café & bäckerei', 'garden tools')",
    "DELETE FROM tags WHERE NOT EXISTS (SELECT 1 FROM expense_tags t WHERE t.tag_id = tags.id)",
)


def delete_imported(url: str) -> None:
    """Remove what an import added, so the next run starts from the same data."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in CLEANUP:
            conn.execute(sa.text(statement), {"m": MARK + "%"} if ":m" in statement else {})
    if engine.dialect.name == "postgresql":
        vacuum(engine)
    engine.dispose()


def post_import(app: Flask, data: bytes, profiler: cProfile.Profile | None = None):
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    response = client.post(
        "/auth/login", data={"login": USER, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    token = CSRF.search(client.get("/expenses/import").get_data(as_text=True)).group(1)
    form = {"csrf_token": token, "file": (io.BytesIO(data), "import.csv")}
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    response = client.post("/expenses/import", data=form, content_type="multipart/form-data")
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    html = response.get_data(as_text=True)
    done = DONE.search(html)
    if response.status_code != 200 or done is None:
        raise RuntimeError(f"import failed ({response.status_code}): {html[-3000:]}")
    imported, skipped = (int(g.replace(",", "")) for g in done.groups())
    assert (imported, skipped) == (IMPORT_ROWS - DUPLICATES, DUPLICATES), (imported, skipped)
    return wall, cpu


def measure(name: str, url_for_run, runs: int, top: int, other_rows: int) -> None:
    print(
        f"\n== {name}: {IMPORT_ROWS:,} rows into a user with {USER_ROWS:,} expenses"
        f" ({USER_ROWS + other_rows:,} in the database) =="
    )
    walls, cpus = [], []
    data = None
    profiler = cProfile.Profile()
    for n in range(runs + 1):
        with url_for_run() as url:
            if data is None:
                data = import_file(existing_rows(url))
            app = build_app(url)
            profiling = n == runs
            wall, cpu = post_import(app, data, profiler if profiling else None)
            with app.app_context():
                db.engine.dispose()
        if profiling:
            print(f"profiled run: wall {wall:.3f} s, CPU {cpu:.3f} s (with profiler overhead)")
        else:
            walls.append(wall)
            cpus.append(cpu)
            print(f"run {n + 1}: wall {wall:.3f} s, CPU {cpu:.3f} s", flush=True)
    print(
        f"median of {runs}: wall {statistics.median(walls):.3f} s,"
        f" CPU {statistics.median(cpus):.3f} s; best wall {min(walls):.3f} s"
    )
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    print(out.getvalue().split("\n", 6)[-1].rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="also measure on this database")
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per database")
    parser.add_argument("--top", type=int, default=30, help="profile lines to print")
    parser.add_argument(
        "--other-rows",
        type=int,
        default=0,
        help="expenses of another user (900000 gives the bench's 1,000,000-row database)",
    )
    args = parser.parse_args()
    if not args.no_sqlite:
        source = sqlite_dataset(args.other_rows)
        measure("SQLite", lambda: sqlite_copy(source), args.runs, args.top, args.other_rows)
    if args.postgres:
        url = normalise_database_url(args.postgres)
        postgres_dataset(url, args.other_rows)

        @contextmanager
        def in_place() -> Iterator[str]:
            try:
                yield url
            finally:
                delete_imported(url)

        measure("PostgreSQL", in_place, args.runs, args.top, args.other_rows)


if __name__ == "__main__":
    main()
