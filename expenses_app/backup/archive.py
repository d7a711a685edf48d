"""The backup file: a zip holding one JSON-lines member per table and a manifest.

    manifest.json          format, format_version, app, created_at, database,
                           alembic_revision, and per table: columns, rows, sha256
    tables/<table>.jsonl   one JSON array per row, in primary-key order

The file is written to a temporary name beside the target (mode 0600) and
renamed into place only when complete, so a failed backup never replaces a
good one. Reading never extracts anything to disk: members are opened by the
names this module builds, and every member's sha256 and row count is checked.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

FORMAT = "expenses-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup cannot be written or read; the message is one line for operators."""


def member_name(table: str) -> str:
    return f"tables/{table}.jsonl"


@dataclass
class TableEntry:
    name: str
    columns: list[str]
    rows: int = 0
    sha256: str = ""


@dataclass
class Manifest:
    created_at: str
    database: str
    alembic_revision: str
    tables: list[TableEntry] = field(default_factory=list)

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app": "expenses_app",
            "created_at": self.created_at,
            "database": self.database,
            "alembic_revision": self.alembic_revision,
            "tables": [vars(entry) for entry in self.tables],
        }
        return json.dumps(document, indent=2).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            document = json.loads(raw)
            if document.get("format") != FORMAT:
                raise BackupError("not an expense tracker backup (unknown format)")
            if document.get("format_version") != FORMAT_VERSION:
                raise BackupError(
                    f"backup format version {document.get('format_version')!r} is not "
                    f"supported (this version reads {FORMAT_VERSION}): use a newer app"
                )
            return cls(
                created_at=str(document["created_at"]),
                database=str(document["database"]),
                alembic_revision=str(document["alembic_revision"]),
                tables=[TableEntry(**entry) for entry in document["tables"]],
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BackupError("the backup's manifest is damaged") from None


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[BinaryIO]:
    """A private (0600) temporary file that becomes `target` only on success."""
    directory = target.parent
    if not directory.is_dir():
        raise BackupError(f"directory {str(directory)!r} does not exist")
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


class ArchiveWriter:
    """Writes table members one after another, hashing and counting as it goes.

    Use as a context manager; the manifest (`finish`) goes last.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._zip = zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED)

    @contextlib.contextmanager
    def table(self, entry: TableEntry) -> Iterator[Any]:
        digest = hashlib.sha256()
        with self._zip.open(member_name(entry.name), "w", force_zip64=True) as member:

            def write(line: bytes) -> None:
                member.write(line)
                digest.update(line)
                entry.rows += 1

            yield write
        entry.sha256 = digest.hexdigest()

    def finish(self, manifest: Manifest) -> None:
        self._zip.writestr(MANIFEST, manifest.to_json())

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._zip.close()


class ArchiveReader:
    """Reads and checks a backup file; use as a context manager."""

    def __init__(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
            self.manifest = Manifest.from_json(self._zip.read(MANIFEST))
        except FileNotFoundError:
            raise BackupError(f"no such file: {str(path)!r}") from None
        except KeyError:
            raise BackupError("not an expense tracker backup (no manifest)") from None
        except (zipfile.BadZipFile, zlib.error, OSError):
            raise BackupError("not an expense tracker backup, or the file is damaged") from None

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._zip.close()

    @contextlib.contextmanager
    def _member(self, entry: TableEntry) -> Iterator[IO[bytes]]:
        try:
            with self._zip.open(member_name(entry.name)) as member:
                yield member
        except KeyError:
            raise BackupError(f"the backup has no data for table {entry.name!r}") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError):
            raise BackupError(f"the backup's data for table {entry.name!r} is damaged") from None

    @staticmethod
    def _check(entry: TableEntry, rows: int, digest: Any) -> None:
        if rows != entry.rows or digest.hexdigest() != entry.sha256:
            raise BackupError(
                f"checksum mismatch for table {entry.name!r}: the backup file is damaged"
            )

    def rows(self, entry: TableEntry) -> Iterator[tuple[int, list[Any]]]:
        """(size in bytes, values) per row; BackupError at the end if count or checksum differ."""
        digest = hashlib.sha256()
        count = 0
        with self._member(entry) as member:
            for line in member:
                digest.update(line)
                count += 1
                yield len(line), json.loads(line)
        self._check(entry, count, digest)

    def chunks(self, entry: TableEntry, max_rows: int, max_bytes: int) -> Iterator[list[list[Any]]]:
        """The table's rows in batches small enough to insert at once (receipts are big)."""
        batch: list[list[Any]] = []
        size = 0
        for row_size, values in self.rows(entry):
            batch.append(values)
            size += row_size
            if len(batch) >= max_rows or size >= max_bytes:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def verify(self) -> None:
        """Check every member's checksum and row count before anything changes."""
        for entry in self.manifest.tables:
            digest = hashlib.sha256()
            lines = 0
            with self._member(entry) as member:
                while block := member.read(1 << 20):
                    digest.update(block)
                    lines += block.count(b"\n")
            self._check(entry, lines, digest)
