"""Saved CSV mappings, keyed by the file's header line."""

from __future__ import annotations

import hashlib

from ..extensions import db
from ..models import ImportBatch, ImportProfile, utcnow
from ..scoping import Scope, owned
from .csv_mapping import CsvSettings
from .csv_reader import MAX_SKIP_LINES, physical_lines


def header_sha256(line: str) -> str:
    return hashlib.sha256(line.strip().encode("utf-8")).hexdigest()


def find_profile(scope: Scope, text: str) -> tuple[ImportProfile, int] | None:
    """The ledger's profile whose header line is a line of the file's first ones, with the
    number of lines before it there (a profile whose own skip_lines fits comes first: a
    bank's preamble may grow by a line)."""
    lines = physical_lines(text, MAX_SKIP_LINES + 1)
    hashes: dict[str, int] = {}
    for n, line in enumerate(lines):
        if line.strip():
            hashes.setdefault(header_sha256(line), n)
    if not hashes:
        return None
    stmt = owned(ImportProfile, ledger_id=scope.ledger_id).where(
        ImportProfile.header_sha256.in_(list(hashes))
    )
    found = [
        (p, hashes[p.header_sha256])
        for p in db.session.scalars(stmt.order_by(ImportProfile.created_at))
    ]
    fitting = [(p, n) for p, n in found if CsvSettings.from_json(p.settings).skip_lines == n]
    return (fitting or found or [None])[0]


def save_profile(scope: Scope, name: str, header: str, settings: CsvSettings) -> ImportProfile:
    """Create or replace the ledger's profile for `header` (the caller commits)."""
    key = header_sha256(header)
    stmt = owned(ImportProfile, ledger_id=scope.ledger_id).where(ImportProfile.header_sha256 == key)
    profile = db.session.scalar(stmt)
    if profile is None:
        profile = ImportProfile(ledger_id=scope.ledger_id, header_sha256=key)
        db.session.add(profile)
    profile.name = name
    profile.header = header.strip()
    profile.settings = settings.to_json()
    profile.updated_at = utcnow()
    db.session.flush()
    return profile


def profile_of(batch: ImportBatch) -> ImportProfile | None:
    """The profile a batch was mapped with (None once deleted)."""
    if batch.profile_id is None:
        return None
    stmt = owned(ImportProfile, ledger_id=batch.ledger_id).where(
        ImportProfile.id == batch.profile_id
    )
    return db.session.scalar(stmt)


def ledger_profiles(scope: Scope) -> list[ImportProfile]:
    stmt = owned(ImportProfile, ledger_id=scope.ledger_id).order_by(ImportProfile.name)
    return list(db.session.scalars(stmt))


def delete_profile(profile: ImportProfile) -> None:
    db.session.delete(profile)
