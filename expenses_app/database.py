"""Per-dialect engine behaviour, attached to our own engine (never the global Engine class)."""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Execution option for a connection that only reads one consistent snapshot
# (`flask backup`): a deferred BEGIN, so writers are not held off meanwhile.
READ_SNAPSHOT = "expenses_read_snapshot"
# Set on `g` while a safe-method request writes: the one GET that does is the
# posting of due recurring expenses when a page opens (`writes_in_safe_request`).
WRITING_IN_SAFE_REQUEST = "writing_in_safe_request"


def wants_write_lock() -> bool:
    """Whether a new SQLite transaction should take the write lock up front.

    A deferred transaction that reads and then writes fails with "database is
    locked" when another writer got there first, busy timeout or not. So
    requests that may write (and CLI commands, tests and other work outside a
    request) begin IMMEDIATE; safe-method requests stay deferred so readers
    never queue behind writers in WAL mode.
    """
    if has_request_context():
        return request.method not in READ_ONLY_METHODS or g.get(WRITING_IN_SAFE_REQUEST, False)
    return True


@contextmanager
def writes_in_safe_request() -> Iterator[None]:
    """Let a GET request write, in a transaction of its own; the caller commits inside.

    The request's read path ends first (on PostgreSQL its connection runs in
    autocommit, see `_reads_in_autocommit`), so the writes begin a real
    transaction: BEGIN IMMEDIATE on SQLite, no autocommit on PostgreSQL.
    Whatever is not committed is rolled back, and the rest of the request reads as before.
    """
    db.session.rollback()
    setattr(g, WRITING_IN_SAFE_REQUEST, True)
    try:
        yield
    finally:
        db.session.rollback()
        g.pop(WRITING_IN_SAFE_REQUEST, None)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    # Bulk inserts (CSV import, demo-data, restore) as multi-row INSERTs, as on
    # PostgreSQL: a statement on `expenses` fires the search-index triggers
    # (migration 0006), which makes SQLite keep a statement journal for it;
    # one statement per 1,000 rows instead of one per row keeps that cheap
    # (`flask demo-data` of 100,000 rows: about a quarter less CPU).
    engine.dialect.use_insertmanyvalues_wo_returning = True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so that we emit
        # BEGIN ourselves (and SAVEPOINT works): SQLAlchemy's pysqlite recipe.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        reads_only = connection.get_execution_options().get(READ_SNAPSHOT, False)
        immediate = wants_write_lock() and not reads_only
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def configure_postgresql(engine: Engine) -> None:
    """The pool's pre-ping without a round trip while the connection is quiet.

    The stock ping runs `SELECT 1` on every checkout: one more round trip per
    request, on top of BEGIN, the statements and ROLLBACK (7 for a list page),
    each a wake-up of the server process. A server that restarts or ends a
    connection closes its socket, and an idle connection is sent nothing
    else unasked: so a socket with nothing to read is alive, and only one
    that has something (an end of file, an error, a notice) gets the real
    ping, which then finds out which.
    """
    real_ping = engine.dialect.do_ping

    def do_ping(dbapi_connection: Any) -> bool:
        if not dbapi_connection.closed and _quiet(dbapi_connection.fileno()):
            return True
        return real_ping(dbapi_connection)

    engine.dialect.do_ping = do_ping  # type: ignore[method-assign]
    event.listen(engine, "before_cursor_execute", _transaction_for_named_cursors)
    event.listen(engine, "checkin", _end_autocommit)
    if not event.contains(db.session, "after_begin", _reads_in_autocommit):
        event.listen(db.session, "after_begin", _reads_in_autocommit)


def _reads_in_autocommit(_session: Any, _transaction: Any, connection: Any) -> None:
    """A GET's statements on PostgreSQL run without BEGIN and ROLLBACK: two round trips
    of a list page's six.

    Nothing changes for what they read: at READ COMMITTED (the default, which
    the app keeps) every statement takes its own snapshot, in a transaction
    or not. Safe-method requests do not write (SQLite relies on that too, see
    `wants_write_lock`). Only the request's session is concerned: the health
    check's SET LOCAL and the rate limiter's writes use connections of their own.
    """
    if connection.dialect.name == "postgresql" and not wants_write_lock():
        connection.connection.dbapi_connection.autocommit = True


def _transaction_for_named_cursors(
    conn: Any, cursor: Any, _statement: Any, _params: Any, _context: Any, _many: bool
) -> None:
    # A streamed read (the CSV export) uses a server-side cursor, which
    # psycopg2 only opens in a transaction: begin one from here on.
    if cursor.name is not None and conn.connection.dbapi_connection.autocommit:
        conn.connection.dbapi_connection.autocommit = False


def _end_autocommit(dbapi_connection: Any, _record: Any) -> None:
    # Back in the pool: the next user (a POST, a CLI command) gets transactions again.
    if dbapi_connection is not None and dbapi_connection.autocommit:
        dbapi_connection.autocommit = False


def _quiet(fd: int) -> bool:
    """Whether nothing waits to be read on `fd` (poll, unlike select, takes any fd number)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return not poller.poll(0)


def configure_engines(app: Flask) -> None:
    """Hang the dialect-specific events on the app's engine. Opens no connection."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    elif engine.dialect.name == "postgresql" and hasattr(select, "poll"):
        configure_postgresql(engine)


def dialect_name() -> str:
    return db.engine.dialect.name


@contextmanager
def roomy_sqlite_cache(mebibytes: int) -> Iterator[None]:
    """On SQLite, let the session's connection cache up to `mebibytes` of pages meanwhile.

    For one large write such as the CSV import: its rows land at scattered
    places of a dozen indexes, far more pages than SQLite's default 2 MB cache
    holds, so it keeps writing pages out mid-transaction and reading them back
    (measured with 100,000 expenses: 64 MB halves the system calls and the
    system CPU time of a 10,000-row import). The old size is set again before
    the commit, which then frees the extra pages as it cleans them.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = {-1024 * int(mebibytes)}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")
