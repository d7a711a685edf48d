"""EXPERIMENT: today's SQLite search (migration 0006's blocks) against the plain FTS5
external-content index (`migration_0009_fts5_external_content`), at 1,000,099 rows.

    python -m bench.experiments.search_compare --prepare TODAY.sqlite PLAIN.sqlite
    python -m bench.experiments.search_compare TODAY.sqlite PLAIN.sqlite [--wrk SECONDS]
    python -m bench.experiments.search_compare --writes [PASSES]

--prepare makes TODAY, a copy of the bench's large dataset as built (migration
0008), and PLAIN, a copy with the experimental migration applied; in both the
same 100 expenses (10 of the user's) get a rare word, and both FTS5 indexes are
optimised, so neither pays for the segments its build left. Both apps run in this process
with the page cache off, through the test client: each search page is requested
in alternating rounds (so load on the shared machine hits both alike), with
wall and CPU time per request (SQLite runs in-process, so CPU is the whole
cost) and the statements per request, and the two designs' pages are checked
to be the same HTML. With --wrk, both are also served by gunicorn and loaded
with wrk, alternately, as `make bench` does. --writes times what each design's
triggers cost: `flask demo-data` of 100,000 rows into fresh databases, alternately.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import event

from expenses_app import create_app
from expenses_app.extensions import db

from .. import dataset, load
from ..dataset import PASSWORD, USER, app_env
from ..server import Server
from . import fts5_search
from .migration_0009_fts5_external_content import statements

PAGES = {
    "coffee (the bench's search)": "/expenses/?q=coffee",
    "coffee, a middle page": "/expenses/?q=coffee&page=110",
    "co (2 letters)": "/expenses/?q=co",
    "refund (608 of the user's rows)": "/expenses/?q=refund",
    "quixotic (10 of the user's, 100 in all)": "/expenses/?q=quixotic",
}
ROUNDS = 5
PER_ROUND = 20
CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
CACHE_OFF = {"PAGE_CACHE_BYTES": "0"}


@dataclass
class Design:
    name: str
    path: str  # the SQLite file
    plain: bool
    app: Flask | None = None
    client: object = None
    statements: list[str] = field(default_factory=list)

    def switch(self) -> None:
        if self.plain:
            fts5_search.enable()
        else:
            fts5_search.disable()


def _start(design: Design) -> None:
    os.environ.update(app_env(f"sqlite:///{design.path}") | CACHE_OFF)
    design.app = create_app()
    design.client = design.app.test_client()
    token = CSRF.search(design.client.get("/auth/login").data).group(1).decode()
    design.client.post(
        "/auth/login", data={"login": USER, "password": PASSWORD, "csrf_token": token}
    )
    with design.app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            design.statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)


def _get(design: Design, path: str) -> tuple[float, float, bytes]:
    design.switch()
    wall, cpu = time.perf_counter(), time.process_time()
    response = design.client.get(path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"{design.name} {path}: {response.status_code}")
    return wall * 1000, cpu * 1000, CSRF.sub(b"", response.data)


def _compare(designs: list[Design], path: str) -> dict[str, tuple[float, float, int]]:
    """p50 wall ms, mean CPU ms and statements per request of each design for `path`."""
    bodies = {}
    for design in designs:  # warm: first-use caches are not the steady state
        _get(design, path)
        design.statements.clear()
        bodies[design.name] = _get(design, path)[2]
    if len(set(bodies.values())) != 1:
        raise SystemExit(f"{path}: the designs' pages differ")
    walls = {d.name: [] for d in designs}
    cpus = {d.name: [] for d in designs}
    counts = {d.name: len(d.statements) for d in designs}
    for _ in range(ROUNDS):
        for design in designs:
            for _ in range(PER_ROUND):
                wall, cpu, _body = _get(design, path)
                walls[design.name].append(wall)
                cpus[design.name].append(cpu)
    return {
        d.name: (statistics.median(walls[d.name]), statistics.fmean(cpus[d.name]), counts[d.name])
        for d in designs
    }


def _client_table(designs: list[Design]) -> list[str]:
    names = [d.name for d in designs]
    lines = [
        f"| page | {names[0]} p50 ms | CPU ms | SQL | {names[1]} p50 ms | CPU ms | SQL "
        "| plain throughput × today (by CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, path in PAGES.items():
        figures = _compare(designs, path)
        (w0, c0, s0), (w1, c1, s1) = (figures[n] for n in names)
        lines.append(
            f"| {label} | {w0:.1f} | {c0:.1f} | {s0} | {w1:.1f} | {c1:.1f} | {s1} | {c0 / c1:.2f} |"
        )
        print(lines[-1], flush=True)
    return lines


def _wrk_table(designs: list[Design], seconds: int) -> list[str]:
    """Both designs under gunicorn and wrk, cache off, alternately twice per page."""
    targets = {False: "wsgi:app", True: "bench.experiments.wsgi_plain:app"}
    servers = {d.name: Server(targets[d.plain], f"sqlite:///{d.path}", CACHE_OFF) for d in designs}
    lines = [
        "| page | design | req/s (each pass) | p50 ms | p99 ms | plain req/s × today |",
        "|---|---|---:|---:|---:|---:|",
    ]
    try:
        cookies = {name: server.login(USER, PASSWORD) for name, server in servers.items()}
        for label, path in list(PAGES.items())[::2]:
            runs = {d.name: [] for d in designs}
            for _ in range(2):
                for name, server in servers.items():
                    runs[name].append(load.run(server.base + path, seconds, cookies[name]))
            rates = {n: statistics.fmean(r.requests_per_s for r in runs[n]) for n in runs}
            today_rate = rates[designs[0].name]
            for name, measured in runs.items():
                each = ", ".join(f"{r.requests_per_s:.1f}" for r in measured)
                p50 = statistics.fmean(r.p50_ms for r in measured)
                p99 = statistics.fmean(r.p99_ms for r in measured)
                ratio = f"{rates[name] / today_rate:.2f}" if name != designs[0].name else ""
                lines.append(f"| {label} | {name} | {each} | {p50:.1f} | {p99:.1f} | {ratio} |")
                print(lines[-1], flush=True)
    finally:
        for server in servers.values():
            server.stop()
    return lines


RARE = "A quixotic purchase."


def _prepare(today: str, plain: str) -> None:
    source = dataset.sqlite_dataset()
    for target in (today, plain):
        shutil.copyfile(source.url.removeprefix("sqlite:///"), target)
        conn = sqlite3.connect(target, isolation_level=None)
        conn.execute("BEGIN")
        if target == plain:
            for statement in statements():
                conn.execute(statement)
            conn.execute("UPDATE alembic_version SET version_num = '0009'")
        user = "(SELECT id FROM users WHERE username = :user)"
        for chosen in (
            f"user_id = {user} ORDER BY id LIMIT 10",
            f"user_id != {user} ORDER BY id LIMIT 90",
        ):
            chosen_ids = f"SELECT id FROM expenses WHERE {chosen}"
            conn.execute(
                f"UPDATE expenses SET notes = :rare WHERE id IN ({chosen_ids})",
                {"rare": RARE, "user": USER},
            )
        conn.execute("COMMIT")
        index = "expense_fts" if target == plain else "expense_search_text"
        conn.execute(f"INSERT INTO {index}({index}) VALUES ('optimize')")
        conn.close()


def _writes(passes: int = 2) -> list[str]:
    """`flask demo-data`, 100,000 rows, into a fresh database of each design, alternately."""
    seconds: dict[str, list[float]] = {"today": [], "plain": []}
    scratch = dataset.BENCH_DIR / "scratch-writes.sqlite"
    for _ in range(passes):
        for name in seconds:
            for path in dataset.BENCH_DIR.glob("scratch-writes.sqlite*"):
                path.unlink()
            url = f"sqlite:///{scratch}"
            dataset.flask(url, "db", "upgrade")
            if name == "plain":
                with sqlite3.connect(scratch) as conn:
                    for statement in statements():
                        conn.execute(statement)
            seconds[name].append(dataset.demo_data(url, [USER], 100_000, seed=7))
    for path in dataset.BENCH_DIR.glob("scratch-writes.sqlite*"):
        path.unlink()
    return [
        f"`flask demo-data`, 100,000 rows, fresh database, {name}: "
        + ", ".join(f"{s:.1f}" for s in runs)
        + " s"
        for name, runs in seconds.items()
    ]


def main(argv: list[str]) -> None:
    if argv[:1] == ["--prepare"]:
        _prepare(argv[1], argv[2])
        return
    if argv[:1] == ["--writes"]:
        print("\n".join(_writes(int(argv[1]) if len(argv) > 1 else 2)))
        return
    designs = [Design("today", argv[0], plain=False), Design("plain", argv[1], plain=True)]
    for design in designs:
        _start(design)
    lines = [
        f"Test client, {ROUNDS} rounds of {PER_ROUND} GETs per design and page, "
        f"load average {os.getloadavg()[0]:.2f}:",
        "",
        *_client_table(designs),
    ]
    if "--wrk" in argv:
        seconds = int(argv[argv.index("--wrk") + 1])
        lines += ["", f"gunicorn -w 2 + wrk, {seconds} s per pass:", ""]
        lines += _wrk_table(designs, seconds)
    lines.append(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
