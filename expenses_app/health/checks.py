"""What the readiness check asks the database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from ..extensions import db

TIMEOUT_MS = 2000


@dataclass(frozen=True)
class DatabaseStatus:
    dialect: str
    revision: str | None
    head: str

    @property
    def is_current(self) -> bool:
        return self.revision == self.head


@cache
def _head_revision(migrations_dir: str) -> str:
    config = Config()
    config.set_main_option("script_location", migrations_dir)
    return ScriptDirectory.from_config(config).get_current_head() or ""


def latest_revision() -> str:
    """The newest migration this code ships (read from disk once per process)."""
    return _head_revision(current_app.extensions["migrate"].directory)


def database_status() -> DatabaseStatus:
    """Ask the database for its schema revision, bounded so a stuck database answers fast."""
    engine = db.engine
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"SET LOCAL statement_timeout = {TIMEOUT_MS}"))
        else:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={TIMEOUT_MS}")
        connection.execute(text("SELECT 1"))
        heads = MigrationContext.configure(connection).get_current_heads()
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(
                f"PRAGMA busy_timeout={current_app.config['SQLITE_BUSY_TIMEOUT_MS']}"
            )
    revision = heads[0] if len(heads) == 1 else None
    return DatabaseStatus(engine.dialect.name, revision, latest_revision())
