"""A `limits` storage kept in our own database (`rate_limit_counters`).

Flask-Limiter's memory storage is per process, so under `gunicorn -w N` an
attacker would get N times the allowed tries; Redis or memcached would be
one more service to run. The database is already shared by every worker and
needs no set-up, and login throttling writes a row only for failed attempts.

Each call runs in its own short transaction on the current app's engine,
independent of the request's session. The limiter object is global, so the
engine is looked up per call: every app (tests build one per database) uses
its own. Only the fixed-window strategy is supported, Flask-Limiter's default.

`limits` finds a storage by the scheme of its URI (`RATELIMIT_STORAGE_URI`)
in a registry that every `Storage` subclass naming a `STORAGE_SCHEME` joins
when the class is created. `register_storage_scheme()` creates that subclass
on purpose, so the app registers the scheme with a call, not as the side
effect of importing this module.
"""

from __future__ import annotations

import functools
import time

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import RateLimitCounter

SCHEME = "app-database"
counters = RateLimitCounter.__table__


def now() -> float:
    """The storage's clock, in epoch seconds (tests move it forward)."""
    return time.time()


def _engine() -> Engine:
    return db.engine


def increment_statement(dialect_name: str, key: str, expiry: int, amount: int = 1):
    """The upsert adding `amount` hits to `key` (a new window once the old one has passed),
    returning the new count. Also run inside a request's own transaction
    (attempt_limits.py), where a separate connection could not write on SQLite."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    moment = now()
    live = counters.c.expires_at > moment
    stmt = dialect.insert(counters).values(key=key, hits=amount, expires_at=moment + expiry)
    return stmt.on_conflict_do_update(
        index_elements=[counters.c.key],
        set_={
            "hits": case((live, counters.c.hits + amount), else_=amount),
            "expires_at": case((live, counters.c.expires_at), else_=moment + expiry),
        },
    ).returning(counters.c.hits)


def delete_expired_counters() -> int:
    """Delete the counters whose window has passed (`flask jobs run`): `get` and `incr`
    treat them as absent. In the caller's transaction (a separate connection could not
    write beside it on SQLite); how many, the caller commits."""
    stmt = delete(counters).where(counters.c.expires_at <= now())
    return db.session.execute(stmt).rowcount


class DatabaseStorage(Storage):
    """The counters in `rate_limit_counters` (not registered: see register_storage_scheme)."""

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` hits, starting a new window when the old one has passed.

        One upsert statement, so two workers counting the same key at once
        both land (PostgreSQL and SQLite both speak ON CONFLICT ... RETURNING).
        """
        stmt = increment_statement(_engine().dialect.name, key, expiry, amount)
        with _engine().begin() as connection:
            return int(connection.execute(stmt).scalar_one())

    def get(self, key: str) -> int:
        with _engine().connect() as connection:
            hits = connection.execute(
                select(counters.c.hits).where(counters.c.key == key, counters.c.expires_at > now())
            ).scalar()
        return int(hits or 0)

    def get_expiry(self, key: str) -> float:
        with _engine().connect() as connection:
            expires_at = connection.execute(
                select(counters.c.expires_at).where(counters.c.key == key)
            ).scalar()
        return float(expires_at) if expires_at is not None else now()

    def check(self) -> bool:
        try:
            with _engine().connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with _engine().begin() as connection:
            return connection.execute(delete(counters)).rowcount

    def clear(self, key: str) -> None:
        with _engine().begin() as connection:
            connection.execute(delete(counters).where(counters.c.key == key))


@functools.cache
def register_storage_scheme() -> type[DatabaseStorage]:
    """Make `app-database://` name `DatabaseStorage` for `limits`; once per process."""

    class RegisteredDatabaseStorage(DatabaseStorage):
        STORAGE_SCHEME = [SCHEME]

    return RegisteredDatabaseStorage
