"""`flask backup`: every table, read from one consistent snapshot."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import LargeBinary, String, Table, select
from sqlalchemy.engine import Connection

from ..database import READ_SNAPSHOT
from ..extensions import db
from ..models import stored_columns, stored_tables, utcnow
from ..schema_version import database_revision, latest_revision
from .archive import ArchiveWriter, BackupError, Manifest, TableEntry, atomic_output
from .codec import encode_row, selectable_column

FETCH_ROWS = 2000
# Receipts are up to 5 MB each: fetch rows holding files a few at a time.
FETCH_FILE_ROWS = 20


@contextlib.contextmanager
def snapshot_connection() -> Iterator[Connection]:
    """A read-only transaction that sees one instant of the database.

    SQLite in WAL mode gives a deferred read transaction snapshot isolation
    from its first read, without blocking the app's writers. PostgreSQL needs
    REPEATABLE READ for the same guarantee across several statements.
    """
    engine = db.engine
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        else:
            connection = connection.execution_options(**{READ_SNAPSHOT: True})
        with connection.begin():
            yield connection


def _ordered_select(table: Table, dialect: str) -> Any:
    # Primary-key order makes the file (and its checksums) identical for the
    # same data on either database; "C" collation makes PostgreSQL compare
    # text bytewise, as SQLite does.
    bytewise = dialect == "postgresql"
    order = [
        column.collate("C") if bytewise and isinstance(column.type, String) else column
        for column in table.primary_key.columns
    ]
    columns = stored_columns(table)
    return select(*(selectable_column(column) for column in columns)).order_by(*order)


def _check_schema(connection: Connection) -> str:
    revision = database_revision(connection)
    head = latest_revision()
    if revision is None:
        raise BackupError("the database has no schema yet: nothing to back up")
    if revision != head:
        raise BackupError(
            f"the database is at schema revision {revision} but this app expects {head}: "
            "run 'flask db upgrade' first"
        )
    return revision


def _write_table(connection: Connection, writer: ArchiveWriter, table: Table) -> TableEntry:
    entry = TableEntry(table.name, [column.name for column in stored_columns(table)])
    has_files = any(isinstance(column.type, LargeBinary) for column in table.columns)
    rows = connection.execution_options(
        yield_per=FETCH_FILE_ROWS if has_files else FETCH_ROWS
    ).execute(_ordered_select(table, connection.dialect.name))
    with writer.table(entry) as write:
        for row in rows:
            write(encode_row(tuple(row)))
    return entry


def create_backup(path: Path) -> Manifest:
    """Write a backup of every table to `path` and return its manifest.

    The file replaces `path` atomically only once it is complete, and holds
    rows and the schema revision, never configuration or secrets.
    """
    with snapshot_connection() as connection:
        manifest = Manifest(
            created_at=utcnow().isoformat(),
            database=connection.dialect.name,
            alembic_revision=_check_schema(connection),
        )
        with atomic_output(path) as stream, ArchiveWriter(stream) as writer:
            # Derived tables (monthly totals) are left out: a restore rebuilds them.
            for table in stored_tables(db.metadata):
                manifest.tables.append(_write_table(connection, writer, table))
            writer.finish(manifest)
    return manifest
