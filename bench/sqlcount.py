"""SQL statements per page: each page once through the test client, with a statement counter.

Runs in its own process (`python -m bench.sqlcount USER PASSWORD PATH...`, the
database from DATABASE_URL) so the served app carries no instrumentation.
Prints one JSON object: {"rendered": {path: n}, "repeat": {path: n}}, the
statements (BEGIN/COMMIT excluded) of a view that renders the page (the page
cache off) and of a repeated view of unchanged data (the cache on).
"""

from __future__ import annotations

import json
import os
import re
import sys

from flask import Flask
from sqlalchemy import event

from expenses_app import create_app
from expenses_app.extensions import db

SKIP = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "SET ")
CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


def main(login: str, password: str, paths: list[str]) -> dict[str, dict[str, int]]:
    os.environ["PAGE_CACHE_BYTES"] = "0"
    rendered = count(create_app(), login, password, paths)
    del os.environ["PAGE_CACHE_BYTES"]
    return {"rendered": rendered, "repeat": count(create_app(), login, password, paths)}


def count(app: Flask, login: str, password: str, paths: list[str]) -> dict[str, int]:
    client = app.test_client()
    token = CSRF.search(client.get("/auth/login").data).group(1).decode()
    client.post("/auth/login", data={"login": login, "password": password, "csrf_token": token})
    with app.app_context():
        engine = db.engine
    counts: dict[str, int] = {}
    current: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(SKIP):
            current.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    for path in paths:
        client.get(path)  # warm: first-use queries (e.g. caches) are not the steady state
        current.clear()
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        counts[path] = len(current)
    event.remove(engine, "before_cursor_execute", record)
    return counts


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], sys.argv[3:])))
