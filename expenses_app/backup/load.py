"""`flask restore`: load a backup into a migrated database, all or nothing."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from sqlalchemy import Table, exists, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, StatementError

from ..derived import check_all
from ..extensions import db
from ..models import Ledger, User, stored_columns, stored_tables
from ..schema_version import database_revision, is_known_revision, latest_revision
from .archive import ArchiveReader, BackupError, Manifest, TableEntry
from .codec import row_decoder

log = logging.getLogger(__name__)

INSERT_ROWS = 1000
# Receipts can be 5 MB each: bound a batch by size as well as by rows.
INSERT_BYTES = 32 * 1024 * 1024


def _match_tables(manifest: Manifest) -> list[tuple[Table, TableEntry]]:
    """Pair the backup's tables with ours, parents first; refuse any mismatch."""
    entries = {entry.name: entry for entry in manifest.tables}
    tables = stored_tables(db.metadata)
    ours = {table.name for table in tables}
    if set(entries) != ours:
        difference = sorted(set(entries) ^ ours)
        raise BackupError(f"the backup's tables do not match this app's ({', '.join(difference)})")
    pairs = []
    for table in tables:
        entry = entries[table.name]
        if set(entry.columns) != {column.name for column in stored_columns(table)}:
            raise BackupError(f"the backup's columns for table {table.name!r} do not match")
        pairs.append((table, entry))
    return pairs


def _check_revision(connection: Connection, backup_revision: str) -> None:
    head = latest_revision()
    current = database_revision(connection)
    if current is None:
        raise BackupError("the database has no schema: run 'flask db upgrade' first")
    if not is_known_revision(backup_revision):
        raise BackupError(
            f"the backup is from schema revision {backup_revision}, newer than this app "
            f"(latest {head}): restore it with the app version that wrote it"
        )
    if current != head:
        raise BackupError(
            f"the database is at schema revision {current} but this app expects {head}: "
            "run 'flask db upgrade' first"
        )
    if backup_revision != head:
        raise BackupError(
            f"the backup is from older schema revision {backup_revision} (this app is at "
            f"{head}): restore it with the app version at {backup_revision}, run "
            "'flask db upgrade' there, and take a new backup"
        )


def _non_empty_tables(connection: Connection, tables: list[Table]) -> list[str]:
    return [
        table.name for table in tables if connection.scalar(select(exists().select_from(table)))
    ]


def _empty_tables(connection: Connection) -> None:
    # Derived tables too: the triggers rebuild them as the backup's rows go in.
    tables = db.metadata.sorted_tables
    if connection.dialect.name == "postgresql":
        quote = connection.dialect.identifier_preparer.quote
        connection.execute(text(f"TRUNCATE {', '.join(quote(table.name) for table in tables)}"))
    else:
        for table in reversed(tables):
            connection.execute(table.delete())


def _load_table(
    connection: Connection, table: Table, entry: TableEntry, archive: ArchiveReader
) -> None:
    decode = row_decoder(table, entry.columns)
    insert = table.insert()
    for batch in archive.chunks(entry, INSERT_ROWS, INSERT_BYTES):
        try:
            connection.execute(insert, [decode(values) for values in batch])
        except (ValueError, TypeError, StatementError) as exc:
            # DBAPIError is a StatementError: constraint violations land here too.
            reason = exc.orig if isinstance(exc, DBAPIError) else exc
            first_line = (str(reason).strip().splitlines() or [""])[0]
            raise BackupError(
                f"table {table.name!r} could not be loaded, nothing was changed: "
                f"{type(reason).__name__}: {first_line}"
            ) from None


def _check_derived(connection: Connection) -> None:
    """Refuse (and so roll back) a restore after which a derived structure differs from the
    restored rows: the triggers that fill them as the rows go in were missing or wrong."""
    problems = [
        f"{name}: {details[0]}" + (f" (and {len(details) - 1} more)" if len(details) > 1 else "")
        for name, details in check_all(connection).items()
        if details
    ]
    if problems:
        raise BackupError(
            "the restored rows and the derived structures built from them differ, so nothing "
            f"was changed: {'; '.join(problems)}. Run 'flask db check-derived --rebuild' and "
            "restore again"
        )


def _retire_cached_pages(connection) -> None:
    """New page-cache versions for every user and ledger: the backup's values were current
    when it was taken, and pages the workers cached since may show other data
    (page_cache.py). `updated_at` is named so its onupdate default keeps the backup's."""
    for model in (User, Ledger):
        connection.execute(
            update(model).values(data_version=secrets.randbits(62), updated_at=model.updated_at)
        )


def restore_backup(path: Path, *, force: bool = False) -> list[TableEntry]:
    """Replace the database's rows with the backup's; return the tables and row counts.

    Refuses a damaged file, a schema revision other than the database's, and
    (without `force`) a database that holds any row, and a load after which a
    derived structure (`expenses_app/derived`) differs from the loaded rows.
    Everything happens in one transaction, so a failure leaves the database
    exactly as it was.
    """
    with ArchiveReader(path) as archive:
        pairs = _match_tables(archive.manifest)
        tables = [table for table, _ in pairs]
        with db.engine.connect() as connection, connection.begin():
            _check_revision(connection, archive.manifest.alembic_revision)
            occupied = _non_empty_tables(connection, tables)
            if occupied and not force:
                raise BackupError(
                    f"the database is not empty ({', '.join(occupied)} have rows): "
                    "use --force to replace everything in it"
                )
            archive.verify()
            if occupied:
                _empty_tables(connection)
            for table, entry in pairs:
                _load_table(connection, table, entry, archive)
            _retire_cached_pages(connection)
            _check_derived(connection)
        log.info(
            "restore: loaded %s (%s rows, revision %s, replaced existing data: %s)",
            path.name,
            sum(entry.rows for entry in archive.manifest.tables),
            archive.manifest.alembic_revision,
            bool(occupied),
        )
        return archive.manifest.tables
