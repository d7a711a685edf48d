"""The benchmark's datasets, built with `flask demo-data` and cached under instance/bench/.

A cached SQLite file is named after the dataset version and the newest
migration, so a schema change (or a change of the recipe below) rebuilds it.

The large dataset also holds a shared ledger (`shared_ledger.py`): 10
members, 100,000 expenses, some private, read by a member (`SHARED_READER`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "instance" / "bench"
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]

# Bump when the recipe changes: the cache key includes it.
DATASET_VERSION = 2  # 2: the shared ledger (issue 12)
USER = "bench"
PASSWORD = "bench-password-for-127.0.0.1-only"
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"
USER_ROWS = 100_000
SMALL_USER_ROWS = 1_000
OTHER_USERS = 999
OTHER_ROWS = 901  # 100,000 + 999 x 901 = 1,000,099 expenses in the database
USERS_PER_COMMAND = 111
SHARED_MEMBERS = 10  # the owner (USER) and shared_ledger.MEMBERS
SHARED_ROWS = 100_000  # the shared ledger's expenses (shared_ledger.ROWS)
SHARED_READER = "household3"  # the member the bench reads it as (shared_ledger.READER)


@dataclass
class Dataset:
    name: str
    url: str
    user_rows: int
    total_rows: int
    build_seconds: float | None  # None when it came from the cache
    shared_rows: int = 0  # the shared ledger's expenses (0: the dataset has none)
    shared_reader: str | None = None


def app_env(url: str) -> dict[str, str]:
    """The environment every bench process runs the app with."""
    env = dict(os.environ)
    env.update(
        APP_ENV="development",
        DATABASE_URL=url,
        SECRET_KEY=SECRET_KEY,
        DEMO_PASSWORD=PASSWORD,
        FLASK_APP="wsgi",
    )
    env.pop("FLASK_DEBUG", None)
    return env


def flask(url: str, *args: str) -> None:
    subprocess.run([*FLASK, *args], cwd=ROOT, env=app_env(url), check=True, capture_output=True)


def schema_head() -> str:
    """The newest migration file's revision, read without starting the app."""
    migrations = sorted((ROOT / "migrations" / "versions").glob("*.py"))
    heads = [p.name for p in migrations]
    digest = hashlib.sha256((ROOT / "expenses_app" / "demo_data.py").read_bytes())
    for path in migrations:  # contents too: an edited migration rebuilds the data
        digest.update(path.name.encode() + path.read_bytes())
    digest = digest.hexdigest()[:10]
    return f"{heads[-1].split('_')[0]}-{digest}"


def cache_key(kind: str) -> str:
    return f"{kind}-v{DATASET_VERSION}-{schema_head()}"


def demo_data(url: str, users: list[str], rows: int, seed: int) -> float:
    """Run `flask demo-data` once and return its wall time."""
    args = ["demo-data", "--create-user", "--expenses", str(rows), "--seed", str(seed)]
    for user in users:
        args += ["--user", user]
    started = time.perf_counter()
    flask(url, *args)
    return time.perf_counter() - started


def _fill(url: str, user_rows: int, others: int, shared: bool) -> None:
    flask(url, "db", "upgrade")
    demo_data(url, [USER], user_rows, seed=1)
    names = [f"other{n:04d}" for n in range(others)]
    for start in range(0, others, USERS_PER_COMMAND):
        demo_data(url, names[start : start + USERS_PER_COMMAND], OTHER_ROWS, seed=start + 2)
    if shared:
        subprocess.run(
            [sys.executable, "-m", "bench.shared_ledger"],
            cwd=ROOT, env=app_env(url), check=True, capture_output=True,
        )  # fmt: skip


def _large(url: str, build_seconds: float | None) -> Dataset:
    total = USER_ROWS + OTHER_USERS * OTHER_ROWS + SHARED_ROWS
    name = "postgresql" if url.startswith("postgres") else "large"
    return Dataset(name, url, USER_ROWS, total, build_seconds, SHARED_ROWS, SHARED_READER)


def sqlite_dataset(small: bool = False) -> Dataset:
    """The cached SQLite dataset (built first when missing or stale)."""
    kind = "small" if small else "large"
    user_rows, others = (SMALL_USER_ROWS, 0) if small else (USER_ROWS, OTHER_USERS)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"{cache_key(kind)}.sqlite"
    url = f"sqlite:///{path}"
    total = user_rows + others * OTHER_ROWS + (0 if small else SHARED_ROWS)
    if path.exists():
        return Dataset(kind, url, user_rows, total, None) if small else _large(url, None)
    for stale in BENCH_DIR.glob(f"{kind}-*.sqlite*"):
        stale.unlink()
    building = path.with_suffix(".building")
    for leftover in BENCH_DIR.glob(f"{building.name}*"):
        leftover.unlink()
    print(f"building the {kind} SQLite dataset ({total:,} expenses)...", flush=True)
    started = time.perf_counter()
    _fill(f"sqlite:///{building}", user_rows, others, shared=not small)
    building.rename(path)  # only a finished build is ever cached
    seconds = time.perf_counter() - started
    return Dataset(kind, url, user_rows, total, seconds) if small else _large(url, seconds)


def create_database(url) -> None:
    """Create BENCH_DATABASE_URL's database when the server lacks it (a fresh machine)."""
    import sqlalchemy as sa

    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        ).scalar()
        if not exists:
            print(f"creating the PostgreSQL database {url.database!r}", flush=True)
            quoted = admin.dialect.identifier_preparer.quote(url.database)
            conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
    admin.dispose()


def postgres_dataset(url: str) -> Dataset:
    """The large dataset in BENCH_DATABASE_URL (its public schema is replaced when stale)."""
    import sqlalchemy as sa

    key = cache_key("large")
    total = USER_ROWS + OTHER_USERS * OTHER_ROWS + SHARED_ROWS
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    create_database(engine.url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_dataset (key text)"))
        current = conn.execute(sa.text("SELECT key FROM bench_dataset")).scalar()
    if current == key:
        engine.dispose()
        return _large(url, None)
    print(f"building the PostgreSQL dataset ({total:,} expenses)...", flush=True)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    _fill(url, USER_ROWS, OTHER_USERS, shared=True)
    # As autovacuum would leave it: planner statistics, and a visibility map
    # so index-only scans (deep list pages) need not visit the table.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE bench_dataset (key text)"))
        conn.execute(sa.text("INSERT INTO bench_dataset VALUES (:key)"), {"key": key})
    engine.dispose()
    return _large(url, time.perf_counter() - started)


if __name__ == "__main__":
    print(sqlite_dataset(small=True))
    print(sqlite_dataset())
    if os.environ.get("BENCH_DATABASE_URL"):
        print(postgres_dataset(os.environ["BENCH_DATABASE_URL"]))
