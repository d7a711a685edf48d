"""`flask backup PATH` and `flask restore PATH [--force]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..backup import BackupError, TableEntry, create_backup, restore_backup


def _echo_counts(entries: list[TableEntry]) -> None:
    width = max(len(entry.name) for entry in entries)
    for entry in entries:
        click.echo(f"  {entry.name:<{width}}  {entry.rows:>10,}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent, portable backup of all data (receipts included) to PATH.

    PATH is replaced atomically once the backup is complete; it is readable by
    its owner only. `flask restore` loads it into SQLite or PostgreSQL.
    """
    try:
        manifest = create_backup(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Backed up the {manifest.database} database (schema {manifest.alembic_revision}) "
        f"to {path}:"
    )
    _echo_counts(manifest.tables)


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the data of a database that is not empty.")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Load the backup at PATH into this (migrated) database, in one transaction.

    A database that holds any row is refused unless --force is given; then
    everything in it is replaced, or, if anything fails, nothing changes. The
    derived structures (`flask db check-derived`) are checked before the commit.
    """
    try:
        entries = restore_backup(path, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {path}:")
    _echo_counts(entries)
