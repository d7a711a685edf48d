"""The page-cache version triggers of the recurring tables (issue 14, migration 0012).

They change `ledgers.data_version` like those of `data_version.py` (on
PostgreSQL by calling 0009's functions), so the dashboard's and budgets'
cached pages see a new or edited rule or a skipped date. No rows of their
own: the check is that the triggers exist. On PostgreSQL a rebuild of the
page-cache version drops 0009's functions with CASCADE, which takes these
triggers too, so this record is rebuilt with it (`rebuilt_with`).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from .record import DerivedStructure, migration, migration_triggers

REVISION = "0012"


def _nothing_stored(_connection: Connection, _limit: int = 0) -> list[str]:
    return []


RECURRING_VERSION = DerivedStructure(
    name="recurring-page-version",
    tables=("recurring_rules", "recurring_occurrences"),
    dialects=frozenset({"sqlite", "postgresql"}),
    migration=REVISION,
    kept_by="triggers on recurring_rules, recurring_occurrences",
    triggers=lambda dialect: migration(REVISION).version_trigger_tables(dialect),
    functions={},
    create_triggers=migration_triggers(REVISION, "create_version_triggers"),
    recompute=_nothing_stored,
    differences=_nothing_stored,
    rebuilt_with=frozenset({"page-cache-version"}),
)
