"""The shared ledger's pages against the single-user ledger's, through the test client.

`python -m bench.shared_compare [--url URL] [--rounds N] [--requests N]`: on the
large bench dataset (default: the cached SQLite file; reads only, page cache
off), `bench` reading their own ledger and `household3` reading "Household",
page by page in interleaved rounds: CPU ms per GET (best round; on SQLite the
whole cost, the database runs in-process), SQL statements per GET and the
time of each statement (best of the rounds), so a page that misses issue 12's
0.9 in `make bench` shows which statement or which Python work pays for it.
"""

from __future__ import annotations

import argparse
import os
import re
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from . import dataset
from .dataset import PASSWORD, SHARED_READER, USER
from .probes import SHARED_PAGES, prepare

CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
SKIP = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "SET ")


class _Paths:
    """`probes.prepare` needs a server only to add budgets: the dataset has them by now."""

    def post_form(self, *args: object) -> int:
        raise SystemExit("the ledger has no budgets yet: run make bench once first")


def client_for(app: Flask, login: str) -> FlaskClient:
    client = app.test_client()
    token = CSRF.search(client.get("/auth/login").data).group(1).decode()
    client.post("/auth/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
    return client


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.shared_compare")
    parser.add_argument("--url", help="database URL (default: the cached large SQLite dataset)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    url = args.url or dataset.sqlite_dataset().url
    os.environ.update(dataset.app_env(url), PAGE_CACHE_BYTES="0")
    from expenses_app import create_app
    from expenses_app.extensions import db

    pages = {
        who: {n: p for n, p in prepare(_Paths(), url, who).items() if n in SHARED_PAGES}
        for who in (USER, SHARED_READER)
    }
    app = create_app()
    clients = {who: client_for(app, who) for who in pages}
    with app.app_context():
        engine = db.engine
    timings: dict[str, float] = {}
    started: list[float] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        started.append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(SKIP):
            timings[statement] = timings.get(statement, 0.0) + time.perf_counter() - started[-1]
        started.pop()

    cpu = {(who, name): float("inf") for who in pages for name in SHARED_PAGES}
    sql: dict[tuple[str, str], dict[str, float]] = {}
    for _ in range(args.rounds):
        for name in SHARED_PAGES:
            for who, client in clients.items():
                path = pages[who][name]
                client.get(path)  # warm
                event.listen(engine, "before_cursor_execute", before)
                event.listen(engine, "after_cursor_execute", after)
                timings.clear()
                client.get(path)
                event.remove(engine, "before_cursor_execute", before)
                event.remove(engine, "after_cursor_execute", after)
                best = sql.setdefault((who, name), {})
                for statement, seconds in timings.items():
                    best[statement] = min(best.get(statement, seconds), seconds)
                begun = time.process_time()
                for _ in range(args.requests):
                    response = client.get(path)
                    if response.status_code != 200:
                        raise SystemExit(f"{who} {path}: {response.status_code}")
                per_get = (time.process_time() - begun) * 1000 / args.requests
                cpu[(who, name)] = min(cpu[(who, name)], per_get)
    print(f"{url.split('/')[-1]}; CPU ms per GET, best of {args.rounds} rounds, cache off")
    print(
        f"{'page':<18} {USER:>8} {SHARED_READER:>11} {'single ÷ shared':>15}  "
        "SQL ms (single | shared)"
    )
    for name in SHARED_PAGES:
        one, shared = cpu[(USER, name)], cpu[(SHARED_READER, name)]
        sql_one = sorted(sql[(USER, name)].values(), reverse=True)
        sql_shared = sorted(sql[(SHARED_READER, name)].values(), reverse=True)
        print(
            f"{name:<18} {one:8.2f} {shared:11.2f} {one / shared:15.2f}  "
            f"{' '.join(f'{s * 1000:.2f}' for s in sql_one)} | "
            f"{' '.join(f'{s * 1000:.2f}' for s in sql_shared)}"
        )
    if os.environ.get("SHOW_SQL"):
        for (who, name), statements in sql.items():
            for statement, seconds in sorted(statements.items(), key=lambda kv: -kv[1])[:2]:
                print(f"\n-- {who} {name}: {seconds * 1000:.2f} ms\n{statement}")


if __name__ == "__main__":
    main()
