"""Matrix rows that had no test yet: the password blocklist, form parts, a locked database."""

from __future__ import annotations

import sqlite3
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.datastructures import MultiDict

from expenses_app.auth.password_policy import common_passwords

from .conftest import csrf_token


def test_the_shipped_common_password_list_has_thousands_of_lowercased_entries():
    # RELIABILITY A3: ASVS level 1 asks for at least the top 3,000.
    words = common_passwords()
    assert len(words) >= 3000
    assert all(word == word.lower() for word in words)
    assert {"password", "qwerty", "123456"} <= words


def test_a_form_with_more_than_a_thousand_parts_is_413_and_saves_nothing(app, client, logged_in):
    # RELIABILITY F5: Flask's MAX_FORM_PARTS, before any view runs.
    fields = [(f"f{n}", "x") for n in range(app.config["MAX_FORM_PARTS"] + 1)]
    fields.append(("csrf_token", csrf_token(client, "/categories/new")))
    fields.append(("name", "Too many parts"))
    response = client.post(
        "/categories/new", data=MultiDict(fields), content_type="multipart/form-data"
    )
    assert response.status_code == 413
    assert "Too many parts" not in client.get("/categories/").get_data(as_text=True)


def test_health_db_answers_within_its_timeout_while_the_database_is_locked(app, client):
    # RELIABILITY I3: a writer holding the database never hangs the readiness probe.
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        release = holder.close
    else:
        engine = create_engine(url)
        connection = engine.connect()
        connection.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))

        def release() -> None:
            connection.rollback()
            connection.close()
            engine.dispose()

    try:
        started = time.monotonic()
        response = client.get("/health/db")
        elapsed = time.monotonic() - started
    finally:
        release()
    assert elapsed < 4
    # WAL lets SQLite's readers through an exclusive writer; PostgreSQL's lock
    # blocks the revision read until the statement timeout.
    expected = 200 if url.get_backend_name() == "sqlite" else 503
    assert response.status_code == expected
    assert "Traceback" not in response.get_data(as_text=True)
