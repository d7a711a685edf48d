"""Engine behaviour: SQLite pragmas on every connection, the PostgreSQL pre-ping,
no connection at start-up."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select
from sqlalchemy.pool import Pool

from expenses_app import create_app
from expenses_app.backup.dump import snapshot_connection
from expenses_app.extensions import db
from expenses_app.models import Category, User

from .conftest import build_app, csrf_token
from .factories import make_expense

POOLED = 5


def only_on(app, dialect: str, reason: str):
    with app.app_context():
        if db.engine.dialect.name != dialect:
            pytest.skip(reason)
    return app


@pytest.fixture
def sqlite_app(app):
    return only_on(app, "sqlite", "SQLite engine behaviour")


def pragmas(raw_connection) -> tuple:
    # Straight on the DBAPI connection: no transaction, so five can be open at once.
    return tuple(
        raw_connection.driver_connection.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("foreign_keys", "journal_mode", "busy_timeout", "synchronous")
    )


def test_every_pooled_sqlite_connection_gets_the_pragmas(sqlite_app):
    with sqlite_app.app_context():
        for _ in range(2):  # and again on fresh connections after the pool is recycled
            connections = [db.engine.raw_connection() for _ in range(POOLED)]
            try:
                seen = {pragmas(connection) for connection in connections}
            finally:
                for connection in connections:
                    connection.close()
            db.engine.dispose()
            assert len(seen) == 1
            foreign_keys, journal_mode, busy_timeout, synchronous = seen.pop()
            assert (foreign_keys, journal_mode, synchronous) == (1, "wal", 1)  # 1 = NORMAL
            assert busy_timeout >= 5000


def seen_during(app, action, look) -> list:
    """`look(connection, statement)` for each statement the app runs during `action()`,
    leaving out those it answers None for."""
    with app.app_context():
        engine = db.engine
    seen: list = []

    def record(conn, cursor, statement, *args):
        value = look(conn, statement)
        if value is not None:
            seen.append(value)

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def begins_during(app, action) -> list[str]:
    return seen_during(
        app, action, lambda _, statement: statement if statement.startswith("BEGIN") else None
    )


def test_writes_take_the_sqlite_write_lock_up_front_and_reads_do_not(sqlite_app, client):
    assert begins_during(sqlite_app, lambda: client.get("/health/db")) == ["BEGIN"]
    form = {"login": "nobody", "password": "wrong", "csrf_token": csrf_token(client)}
    assert begins_during(sqlite_app, lambda: client.post("/auth/login", data=form)) == [
        "BEGIN IMMEDIATE"
    ]

    def outside_requests():
        with sqlite_app.app_context():
            db.session.scalar(select(User.id))

    assert begins_during(sqlite_app, outside_requests) == ["BEGIN IMMEDIATE"]


def test_the_backup_snapshot_does_not_hold_the_sqlite_write_lock(sqlite_app):
    def take_snapshot():
        with sqlite_app.app_context(), snapshot_connection() as connection:
            connection.execute(select(User.id)).all()

    assert begins_during(sqlite_app, take_snapshot) == ["BEGIN"]


@pytest.mark.parametrize(
    "url", ["sqlite:///{tmp}/missing/app.db", "postgresql://postgres@127.0.0.1:1/nothing"]
)
def test_create_app_opens_no_database_connection(tmp_path, url):
    connects = []

    def record(*args):
        connects.append(args)

    event.listen(Pool, "connect", record)
    try:
        app = build_app(url.format(tmp=tmp_path))
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.db'}"})
    finally:
        event.remove(Pool, "connect", record)

    assert connects == []
    assert app.test_client().get("/health").status_code == 200
    assert not (tmp_path / "other.db").exists()


@pytest.fixture
def postgresql_app(app):
    return only_on(app, "postgresql", "PostgreSQL engine behaviour")


def _ask(app, sql: str, *params) -> tuple:
    """One row from a bare connection of its own, outside the pool under test."""
    with app.app_context():
        other = db.engine.pool._creator()  # noqa: SLF001
    try:
        with other, other.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    finally:
        other.close()


def test_pre_ping_of_a_quiet_postgresql_connection_sends_nothing(postgresql_app):
    """The pooled connection is checked without `SELECT 1`: one round trip less per request."""
    with postgresql_app.app_context():
        db.engine.dispose()
        with db.engine.connect() as connection:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with db.engine.connect() as connection:  # the same connection, pinged on checkout
            assert connection.connection.dbapi_connection.get_backend_pid() == pid
            last = _ask(postgresql_app, "SELECT query FROM pg_stat_activity WHERE pid = %s", pid)
            assert last == ("ROLLBACK",)
            assert connection.exec_driver_sql("SELECT 1 + 1").scalar_one() == 2


def test_a_postgresql_connection_ended_by_the_server_is_replaced_on_checkout(
    postgresql_app, client, logged_in
):
    with postgresql_app.app_context():
        db.engine.dispose()
        with db.engine.connect() as connection:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    # Waits until the server process has exited, as after a restart.
    assert _ask(postgresql_app, "SELECT pg_terminate_backend(%s, 5000)", pid) == (True,)
    assert client.get("/expenses/").status_code == 200


def _autocommit_per_statement(app, send) -> list[bool]:
    """Whether each statement `send()` makes the app run went without a transaction."""
    return seen_during(app, send, lambda conn, _: conn.connection.dbapi_connection.autocommit)


def test_postgresql_gets_read_without_begin_and_posts_write_in_a_transaction(
    postgresql_app, client, logged_in
):
    """A GET's statements skip BEGIN and ROLLBACK (2 of a list page's 6 round trips);
    the connection goes back to the pool with transactions on for the next user."""
    make_expense(postgresql_app, logged_in.id, description="Lunch")
    make_expense(postgresql_app, logged_in.id, description="Dinner")
    reads = _autocommit_per_statement(postgresql_app, lambda: client.get("/expenses/"))
    assert len(reads) >= 3 and all(reads)
    form = {"name": "Pets", "color": "#123456", "icon": "", "description": ""}
    form["csrf_token"] = csrf_token(client, "/categories/new")
    writes = _autocommit_per_statement(
        postgresql_app, lambda: client.post("/categories/new", data=form)
    )
    assert len(writes) >= 2 and not any(writes)
    with postgresql_app.app_context(), db.engine.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit is False
        assert db.session.scalar(select(Category.name).where(Category.name == "Pets")) == "Pets"


def test_postgresql_streamed_export_in_a_get_gets_its_transaction(
    postgresql_app, client, logged_in
):
    """The CSV export reads through a server-side cursor, which needs a transaction."""
    for day in range(1, 4):
        make_expense(postgresql_app, logged_in.id, date=dt.date(2025, 1, day))
    response = client.get("/expenses/export.csv")
    assert response.status_code == 200
    assert len(response.get_data(as_text=True).splitlines()) == 4
