"""Which migration the code ships and which one a database is at.

Shared by the readiness check and backup/restore, which both refuse to work
on a schema that does not match the code.
"""

from __future__ import annotations

from functools import cache

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy.engine import Connection


@cache
def _script_directory(migrations_dir: str) -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", migrations_dir)
    return ScriptDirectory.from_config(config)


def script_directory() -> ScriptDirectory:
    """The app's migration scripts (read from disk once per process)."""
    return _script_directory(current_app.extensions["migrate"].directory)


def latest_revision() -> str:
    """The newest migration this code ships."""
    return script_directory().get_current_head() or ""


def is_known_revision(revision: str) -> bool:
    """Whether `revision` is one of this code's migrations (a newer one is not)."""
    return any(script.revision == revision for script in script_directory().walk_revisions())


def database_revision(connection: Connection) -> str | None:
    """The revision the database is at; None when unmigrated or at several heads."""
    heads = MigrationContext.configure(connection).get_current_heads()
    return heads[0] if len(heads) == 1 else None
