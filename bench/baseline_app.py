"""The baseline: a minimal Flask + Jinja page rendering 50 rows of the same database.

One SQL query per request through a pooled SQLAlchemy engine, no login, no
forms: the cost of "Flask, Jinja and one query" on this machine, served with
the same gunicorn settings, so the app's figures can be read as ratios to it.
`gunicorn bench.baseline_app:app` with DATABASE_URL and BENCH_USER set.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, render_template

from config import normalise_database_url

ROWS = 50
QUERY = sa.text(
    "SELECT e.date, e.description, c.name AS category, e.amount_cents"
    " FROM expenses e JOIN categories c ON c.id = e.category_id"
    # The user's own ledger (a demo user's has the user's id): the ledger's date index.
    " WHERE e.ledger_id = (SELECT id FROM users WHERE username = :username)"
    " AND e.deleted_at IS NULL"
    " ORDER BY e.date DESC, e.created_at DESC LIMIT :rows"
)

app = Flask(__name__)
engine = sa.create_engine(normalise_database_url(os.environ["DATABASE_URL"]))


@app.get("/")
def rows() -> str:
    with engine.connect() as conn:
        result = conn.execute(QUERY, {"username": os.environ["BENCH_USER"], "rows": ROWS})
        expenses = result.mappings().all()
    return render_template("baseline.html", expenses=expenses)
