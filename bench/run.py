"""`make bench`: the whole run. Prints a table and writes bench/results.md, and its figures
to bench/results.json.

Environment: BENCH_SECONDS (per page, default 8), BENCH_DATABASE_URL (also
measure PostgreSQL; the database is filled with the large dataset).
`python -m bench --report [FILE]` renders results.md again from saved figures
(default bench/results.json) without measuring anything, to stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from . import dataset, figures, load, probes, report
from .dataset import PASSWORD, ROOT, USER, Dataset
from .figures import DatabaseRun, Page
from .server import Server
from .statement_import import StatementImport

SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))


# The app as served, whose page cache answers repeated views of unchanged data,
# and the same app with the cache off, so that every request renders its page.
CACHE_OFF = {"PAGE_CACHE_BYTES": "0"}
SAVED = ROOT / "bench" / "results.json"


def measure_baseline(data: Dataset) -> load.Load:
    with Server("bench.baseline_app:app", data.url, {"BENCH_USER": USER}) as server:
        return load.run(server.base + "/", SECONDS)


def sql_counts(data: Dataset, login: str, paths: list[str]) -> dict[str, dict[str, int]]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.sqlcount", login, PASSWORD, *paths],
        cwd=ROOT, env=dataset.app_env(data.url), capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def load_pages(
    server: Server, pages: dict[str, str], shared: dict[str, str], reader: str | None, label: str
) -> tuple[list[Page], list[Page]]:
    """Each page of `pages` as the measured user, each of `shared` (the shared ledger's,
    by name) as `reader` right after the same page of the single-user ledger, so the two
    are minutes apart at most on a shared machine."""
    shared_cookie = server.login(reader, PASSWORD) if shared else None
    cookie = server.login(USER, PASSWORD)  # last: the probes after this act as the user
    measured, measured_shared = [], []
    for name, path in pages.items():
        figures = load.run(server.base + path, SECONDS, cookie)
        measured.append(Page(name, path, figures, max(server.worker_status("VmRSS"))))
        print(f"  {label} {name:<18} {figures.requests_per_s:8.1f} req/s", flush=True)
        if name in shared:
            figures = load.run(server.base + shared[name], SECONDS, shared_cookie)
            rss = max(server.worker_status("VmRSS"))
            measured_shared.append(Page(name, shared[name], figures, rss))
            print(f"  {label} {name:<18} {figures.requests_per_s:8.1f} req/s shared", flush=True)
    return measured, measured_shared


def measure_app(run: DatabaseRun) -> None:
    reader = run.data.shared_reader
    with Server("wsgi:app", run.data.url) as server:
        shared = {}
        if reader:
            server.login(reader, PASSWORD)
            shared = probes.prepare_shared(server, run.data.url, reader)
        server.login(USER, PASSWORD)
        pages = probes.prepare(server, run.data.url)
        run.pages, run.shared_pages = load_pages(server, pages, shared, reader, "cached  ")
        run.export = probes.export(server)
        run.imported = probes.import_csv(server, run.data.url)
    with Server("wsgi:app", run.data.url, CACHE_OFF) as server:
        run.rendered, run.shared_rendered = load_pages(server, pages, shared, reader, "rendered")
    counts = sql_counts(run.data, USER, list(pages.values()))
    for page in run.pages:
        page.sql = counts["repeat"][page.path]
    for page in run.rendered:
        page.sql = counts["rendered"][page.path]
    if reader:
        counts = sql_counts(run.data, reader, list(shared.values()))
        for page in run.shared_pages:
            page.sql = counts["repeat"][page.path]
        for page in run.shared_rendered:
            page.sql = counts["rendered"][page.path]


def measure_small_list() -> load.Load:
    """The list with 1,000 expenses, every view rendered (the cache would hide the growth)."""
    small = dataset.sqlite_dataset(small=True)
    with Server("wsgi:app", small.url, CACHE_OFF) as server:
        cookie = server.login(USER, PASSWORD)
        return load.run(server.base + "/expenses/", SECONDS, cookie)


def measure_database(data: Dataset, small: bool) -> DatabaseRun:
    print(f"{data.name}: baseline, pages, export, import ({SECONDS} s per page)", flush=True)
    run = DatabaseRun(data)
    run.baseline.append(measure_baseline(data))
    measure_app(run)
    if small:
        run.small_list = measure_small_list()
    run.baseline.append(measure_baseline(data))  # before and after: drift shows, and averages out
    return run


def measure_demo_data() -> float:
    """`flask demo-data` making 100,000 rows in a fresh SQLite database."""
    scratch = dataset.BENCH_DIR / "scratch-demo.sqlite"
    for path in dataset.BENCH_DIR.glob("scratch-demo.sqlite*"):
        path.unlink()
    url = f"sqlite:///{scratch}"
    dataset.flask(url, "db", "upgrade")
    seconds = dataset.demo_data(url, [USER], 100_000, seed=7)
    for path in dataset.BENCH_DIR.glob("scratch-demo.sqlite*"):
        path.unlink()
    return seconds


def statement_import_url(bench_url: str) -> str:
    """A database of its own beside BENCH_DATABASE_URL's, created if missing: the statement
    import replaces its schema, which would cost the large dataset a rebuild."""
    url = make_url(bench_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    url = url.set(database=f"{url.database}_statement_import")
    dataset.create_database(url)
    return url.render_as_string(hide_password=False)


def measure_statement_imports() -> list[StatementImport]:
    """Issue 13: `python -m bench.statement_import` on SQLite and, with BENCH_DATABASE_URL,
    on PostgreSQL, each in a process of its own; the medians it prints last. A database
    whose run fails is left out of results.md (the error is printed), as the other probes
    never stop the run."""
    targets = [[]]
    if os.environ.get("BENCH_DATABASE_URL"):
        targets.append(["--postgres", statement_import_url(os.environ["BENCH_DATABASE_URL"])])
    measured = []
    for extra in targets:
        print(f"statement import: {'PostgreSQL' if extra else 'SQLite'}", flush=True)
        done = subprocess.run(
            [sys.executable, "-m", "bench.statement_import", "--json", *extra],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            print(f"statement import FAILED:\n{done.stderr}", flush=True)
            continue
        print(done.stdout.strip().rsplit("\n", 1)[0], flush=True)
        measured.append(StatementImport(**json.loads(done.stdout.strip().splitlines()[-1])))
    return measured


def main() -> None:
    if sys.argv[1:2] == ["--report"]:
        saved = Path(sys.argv[2]) if len(sys.argv) > 2 else SAVED
        print(report.render(figures.load_results(saved)))
        return
    load.wrk_path()
    started = time.perf_counter()
    runs = [measure_database(dataset.sqlite_dataset(), small=True)]
    if os.environ.get("BENCH_DATABASE_URL"):
        runs.append(
            measure_database(dataset.postgres_dataset(os.environ["BENCH_DATABASE_URL"]), False)
        )
    print("demo-data: 100,000 rows into a fresh database", flush=True)
    demo_seconds = measure_demo_data()
    imports = measure_statement_imports()
    results = figures.Results(
        runs, demo_seconds, SECONDS, time.perf_counter() - started, figures.Machine.now(), imports
    )
    figures.save(results, SAVED)
    text = report.render(results)
    print(text)
    (ROOT / "bench" / "results.md").write_text(text)


if __name__ == "__main__":
    main()
