"""Portable logical backups: taken on SQLite or PostgreSQL, restored on either."""

from .archive import BackupError, Manifest, TableEntry
from .dump import create_backup
from .load import restore_backup

__all__ = ["BackupError", "Manifest", "TableEntry", "create_backup", "restore_backup"]
