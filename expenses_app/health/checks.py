"""What the readiness check asks the database."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import text

from ..extensions import db
from ..schema_version import database_revision, latest_revision

TIMEOUT_MS = 2000


@dataclass(frozen=True)
class DatabaseStatus:
    dialect: str
    revision: str | None
    head: str

    @property
    def is_current(self) -> bool:
        return self.revision == self.head


def database_status() -> DatabaseStatus:
    """Ask the database for its schema revision, bounded so a stuck database answers fast."""
    engine = db.engine
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"SET LOCAL statement_timeout = {TIMEOUT_MS}"))
        else:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={TIMEOUT_MS}")
        connection.execute(text("SELECT 1"))
        revision = database_revision(connection)
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(
                f"PRAGMA busy_timeout={current_app.config['SQLITE_BUSY_TIMEOUT_MS']}"
            )
    return DatabaseStatus(engine.dialect.name, revision, latest_revision())
