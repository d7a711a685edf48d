"""Query plans the speed of some pages depends on: `python -m bench.plans` (SQLite).

The tests assert answers and statement counts; which index SQLite picks is a
property of its planner, checked here instead, on a scratch database with
the bench user's demo data (`profile_pages.build_database`). Each check prints
`ok` or `MISSED` with the plan; the exit status is 1 when any is missed.

- Text search reads only the ledger's block of the search index (migration
  0006): for 3+ characters the trigram index first, then each candidate by
  its slot; for 1-2 characters the rows of the block; `expenses` only by id.
- The CSV import's duplicate check looks rows up by (ledger, amount, date)
  rather than scanning every same-named expense (`ix_expenses_live_amount`).
"""

from __future__ import annotations

import csv
import io
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from expenses_app.expenses.csv_format import HEADER
from expenses_app.extensions import db

from .profile_pages import CSRF, build_database, logged_in_client

SEARCH_STEPS = {
    "coffee": [
        "SCAN expense_search_text VIRTUAL TABLE",
        "SEARCH expense_search_rows USING INTEGER PRIMARY KEY (rowid=?)",
    ],
    "co": ["SEARCH expense_search_rows USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"],
}
SORTS = ("date", "amount", "description", "category")
IMPORT_STEP = "ix_expenses_live_amount (ledger_id=? AND amount_cents=? AND date=?)"


def _captured(app: Flask, keep: Callable[[str], bool], action: Callable[[], object]) -> list:
    """The (statement, parameters) pairs `keep` accepts among those `action` runs."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if keep(statement):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def _plan(app: Flask, statement: str, parameters: object) -> list[str]:
    with app.app_context():
        connection = db.session.connection()
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return [row[-1] for row in rows]


def _search_plan_ok(plan: list[str], steps: list[str]) -> bool:
    found = [next((i for i, d in enumerate(plan) if d.startswith(step)), -1) for step in steps]
    scans = any(re.match(r"(SCAN|SEARCH) expenses\b(?!.*\(id=\?\))", d) for d in plan)
    return -1 not in found and found == sorted(found) and not scans


def search_plans(app: Flask, client: FlaskClient) -> list[tuple[str, bool, list[str]]]:
    results = []
    for query, steps in SEARCH_STEPS.items():
        for sort in SORTS:
            path = f"/expenses/?q={query}&sort={sort}&min=1"
            searched = _captured(
                app, lambda s: "expense_search_rows" in s, lambda path=path: client.get(path)
            )
            for statement, parameters in searched:
                plan = _plan(app, statement, parameters)
                results.append((f"search {path}", _search_plan_ok(plan, steps), plan))
    return results


def import_plan(app: Flask, client: FlaskClient) -> list[tuple[str, bool, list[str]]]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerow(("2024-01-31", "12.50", "Food", "Lunch", "cash", "", ""))
    token = CSRF.search(client.get("/expenses/import").get_data(as_text=True)).group(1)
    data = {"csrf_token": token, "file": (io.BytesIO(out.getvalue().encode()), "plan.csv")}

    def upload() -> None:
        client.post("/expenses/import", data=data, content_type="multipart/form-data")

    checks = _captured(app, lambda s: "json_each" in s and s.lstrip().startswith("SELECT"), upload)
    results = []
    for statement, parameters in checks:
        plan = _plan(app, statement, parameters)
        good = any(IMPORT_STEP in step for step in plan) and not any(
            "ix_expenses_search" in step for step in plan
        )
        results.append(("import duplicate check", good, plan))
    return results or [("import duplicate check", False, ["no duplicate-check statement ran"])]


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        app, _pages = build_database(Path(scratch) / "plans.db", 1_000, cache=False)
        client = logged_in_client(app)
        results = search_plans(app, client) + import_plan(app, client)
    for name, good, plan in results:
        print(f"{'ok' if good else 'MISSED'}  {name}" + ("" if good else f"\n    {plan}"))
    sys.exit(0 if all(good for _, good, _ in results) else 1)


if __name__ == "__main__":
    main()
