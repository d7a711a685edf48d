"""`flask backup` / `flask restore`: portable, consistent, checked, all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import stat
import uuid
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from expenses_app.auth import totp
from expenses_app.auth.reset import create_reset_token
from expenses_app.backup import dump
from expenses_app.extensions import db
from expenses_app.models import (
    Expense,
    IdempotencyKey,
    RateLimitCounter,
    Receipt,
    User,
    stored_columns,
    stored_tables,
)
from expenses_app.models.expense_search import SQLITE_SEARCH_TABLES, search_rows, search_text
from expenses_app.schema_version import latest_revision

from .conftest import (
    login,
    migrations_with_extra_revision,
    month_totals_drift,
    other_database_kind,
)
from .factories import (
    add_member,
    category_id,
    make_api_token,
    make_budget,
    make_category,
    make_committed_import,
    make_expense,
    make_import_profile,
    make_rule_with_skip,
    make_user,
)
from .url_map import make_invite

RECEIPT_BYTES = bytes(range(256)) * 3 + b"\x00%PDF end"


def seed_everything(app: Flask) -> None:
    """Rows in every table, with the values that are easy to get wrong."""
    alice = make_user(app, "alice")
    bob = make_user(app, "bob")
    # A real login writes whatever the login machinery keeps (sessions, counters).
    login(app.test_client(), alice)
    odd = make_category(app, alice.id, 'Café ☕ "quoted"', icon="☕")
    make_expense(app, alice.id, amount="0.01", tags=("work", "Ünïcode"), notes="line1\nline2")
    make_expense(app, alice.id, amount="9999999999.99", category=odd, deleted=True)
    receipt_owner = make_expense(app, bob.id, amount="12.34", payment_method="credit_card")
    make_budget(app, alice.id, amount="300.00", end_date=dt.date(2030, 12, 31), category="Food")
    make_budget(app, bob.id, period="weekly")
    # A shared ledger: Bob in Alice's, with a private expense there and an invitation.
    add_member(app, alice.id, bob.id, "member")
    make_expense(app, bob.id, ledger_id=alice.id, amount="7.77", private=True, tags=("secret",))
    # Issue 13: a committed statement import (its stored file is dropped at commit) and a profile.
    make_committed_import(app, bob.id)
    make_import_profile(app, bob.id)
    make_invite(app, alice.id, role="viewer")
    # Issue 16: an API token, and a POST's first answer kept for its Idempotency-Key.
    make_api_token(app, alice.id)
    make_rule_with_skip(app, alice.id)  # issue 14: rules and skips are backed up too
    with app.app_context():
        db.session.add(
            Receipt(
                ledger_id=bob.id,
                expense_id=receipt_owner,
                filename="receipt.pdf",
                content_type="application/pdf",
                size=len(RECEIPT_BYTES),
                sha256=hashlib.sha256(RECEIPT_BYTES).hexdigest(),
                data=RECEIPT_BYTES,
            )
        )
        db.session.add(RateLimitCounter(key="login:alice", hits=3, expires_at=1763769600.123456))
        db.session.add(
            IdempotencyKey(user_id=alice.id, key="k-1", fingerprint="0" * 64, status=201, body="{}")
        )
        db.session.get(User, alice.id).last_login_at = dt.datetime(
            2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC
        )
        # Issue 15: two-factor login (secret, recovery codes) and a reset link.
        totp.enable(db.session.get(User, alice.id), totp.new_secret(), dt.datetime.now(dt.UTC))
        create_reset_token(db.session.get(User, alice.id))
        db.session.commit()


def fingerprints(app: Flask) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every table's values, as Python sees them."""
    result = {}
    with app.app_context(), db.engine.connect() as connection:
        for table in stored_tables(db.metadata):
            stored = select(*stored_columns(table))
            rows = sorted(repr(tuple(row)) for row in connection.execute(stored))
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            result[table.name] = (len(rows), digest)
    return result


def manifest_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def rewrite_archive(path: Path, target: Path, change) -> None:
    """Copy a backup, letting `change(name, data)` alter members (None drops one)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
        for name in source.namelist():
            data = change(name, source.read(name))
            if data is not None:
                copy.writestr(name, data)


def test_backup_then_restore_into_the_other_database_reproduces_every_row(
    app, runner, scratch_app, tmp_path
):
    seed_everything(app)
    path = tmp_path / "backup.zip"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output

    target = scratch_app(other_database_kind(app))
    restored = target.test_cli_runner().invoke(args=["restore", str(path)])

    assert restored.exit_code == 0, restored.output
    assert "expenses" in restored.output and "receipts" in restored.output
    source_prints, target_prints = fingerprints(app), fingerprints(target)
    assert source_prints == target_prints
    assert month_totals_drift(target) == {}
    assert all(count > 0 for count, _ in source_prints.values())
    with target.app_context():
        receipt = db.session.scalar(select(Receipt))
        assert receipt.data == RECEIPT_BYTES
        # 42.17: the expense the seeded statement import added.
        assert db.session.scalar(select(func.sum(Expense.amount))) == Decimal("10000000062.28")
    second = tmp_path / "again.zip"
    assert target.test_cli_runner().invoke(args=["backup", str(second)]).exit_code == 0
    tables = {t["name"]: (t["rows"], t["sha256"]) for t in manifest_of(path)["tables"]}
    assert tables == {t["name"]: (t["rows"], t["sha256"]) for t in manifest_of(second)["tables"]}


def test_backup_file_is_private_has_a_manifest_and_no_secret(app, runner, tmp_path):
    seed_everything(app)
    path = tmp_path / "backup.zip"
    runner.invoke(args=["backup", str(path)])

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    manifest = manifest_of(path)
    assert manifest["format"] == "expenses-backup"
    with app.app_context():
        assert manifest["alembic_revision"] == latest_revision()
    assert {t["name"] for t in manifest["tables"]} == {t.name for t in stored_tables(db.metadata)}
    assert list(tmp_path.iterdir()) == [path]
    assert app.config["SECRET_KEY"].encode() not in path.read_bytes()
    secret = app.config["SECRET_KEY"].encode()
    with zipfile.ZipFile(path) as archive:
        assert all(secret not in archive.read(name) for name in archive.namelist())


def late_expense(user_id: uuid.UUID, category: uuid.UUID) -> dict:
    now = dt.datetime.now(dt.UTC)
    return {
        "id": uuid.uuid4(),
        "ledger_id": user_id,
        "user_id": user_id,
        "category_id": category,
        "amount_cents": Decimal("5.00"),
        "date": dt.date.today(),
        "description": "written during the backup",
        "payment_method": "cash",
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def test_backup_reads_one_snapshot_while_the_app_writes(app, runner, tmp_path, monkeypatch):
    user = make_user(app)
    make_expense(app, user.id)
    row = late_expense(user.id, category_id(app, user.id, "Food"))
    written = []
    encode_row = dump.encode_row

    def write_meanwhile(values):
        if not written:
            # Another connection commits mid-backup: it must not wait for the
            # backup, and the backup must not see it.
            with db.engine.begin() as connection:
                connection.execute(insert(Expense.__table__), [row])
            written.append(True)
        return encode_row(values)

    monkeypatch.setattr(dump, "encode_row", write_meanwhile)
    result = runner.invoke(args=["backup", str(tmp_path / "b.zip")])

    assert result.exit_code == 0, result.output
    assert written
    counts = {t["name"]: t["rows"] for t in manifest_of(tmp_path / "b.zip")["tables"]}
    assert counts["expenses"] == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Expense)) == 2


def test_failed_backup_leaves_no_file_and_keeps_the_old_one(app, runner, tmp_path, monkeypatch):
    make_user(app)
    path = tmp_path / "b.zip"
    path.write_bytes(b"previous backup")

    def broken(values):
        raise OSError("disk full")

    monkeypatch.setattr(dump, "encode_row", broken)
    result = runner.invoke(args=["backup", str(path)])

    assert result.exit_code != 0
    assert path.read_bytes() == b"previous backup"
    assert list(tmp_path.iterdir()) == [path]


def test_backup_into_a_missing_directory_is_a_one_line_error(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "nowhere" / "b.zip")])

    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: directory")
    assert len(result.output.strip().splitlines()) == 1


@pytest.fixture
def backup_file(app, runner, tmp_path) -> Path:
    seed_everything(app)
    path = tmp_path / "backup.zip"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    return path


def test_restore_refuses_a_non_empty_database_without_force(app, runner, backup_file):
    before = fingerprints(app)
    result = runner.invoke(args=["restore", str(backup_file)])

    assert result.exit_code == 1
    assert "not empty" in result.output and "--force" in result.output
    assert fingerprints(app) == before


def test_restore_with_force_replaces_everything_and_is_logged(app, runner, backup_file, caplog):
    snapshot = fingerprints(app)
    extra = make_user(app, "carol")
    make_expense(app, extra.id)

    with caplog.at_level(logging.INFO, logger="expenses_app.backup"):
        result = runner.invoke(args=["restore", str(backup_file), "--force"])

    assert result.exit_code == 0, result.output
    assert fingerprints(app) == snapshot
    assert "restore: loaded backup.zip" in caplog.text
    assert "replaced existing data: True" in caplog.text


def test_sqlite_search_index_is_left_out_of_backups_and_rebuilt_by_restore(
    backup_file, scratch_app
):
    assert not SQLITE_SEARCH_TABLES & {t["name"] for t in manifest_of(backup_file)["tables"]}
    target = scratch_app("sqlite")
    make_expense(target, make_user(target, "carol").id, description="Replaced by the restore")

    result = target.test_cli_runner().invoke(args=["restore", str(backup_file), "--force"])

    assert result.exit_code == 0, result.output
    copied = [
        search_rows.c[name] for name in ("id", "ledger_id", "user_id", "description", "deleted_at")
    ]
    with target.app_context():
        expenses = db.session.execute(select(*(Expense.__table__.c[c.name] for c in copied)))
        copies = db.session.execute(select(*copied)).all()
        # Four seeded expenses and the one the seeded statement import added (issue 13).
        assert sorted(copies) == sorted(expenses) and len(copies) == 5
        indexed = db.session.scalar(
            select(func.count())
            .select_from(search_text)
            .where(
                search_text.c.expense_search_text.match('"pen"')  # "Expense <n>"
            )
        )
    assert indexed == 4


def test_restore_with_force_that_fails_midway_changes_nothing(app, runner, backup_file, tmp_path):
    def break_an_expense(name, data):
        if name == "tables/receipts.jsonl":
            return data.replace(b'"application/pdf"', b"null")
        return data

    bad = tmp_path / "bad.zip"
    rewrite_archive(backup_file, bad, break_an_expense)
    manifest = manifest_of(bad)
    with zipfile.ZipFile(bad) as archive:
        member = archive.read("tables/receipts.jsonl")
    for table in manifest["tables"]:
        if table["name"] == "receipts":
            table["sha256"] = hashlib.sha256(member).hexdigest()
    rewrite_archive(
        bad,
        tmp_path / "bad2.zip",
        lambda name, data: json.dumps(manifest).encode() if name == "manifest.json" else data,
    )
    make_user(app, "carol")
    before = fingerprints(app)

    result = runner.invoke(args=["restore", str(tmp_path / "bad2.zip"), "--force"])

    assert result.exit_code == 1
    assert "receipts" in result.output and "nothing was changed" in result.output
    assert fingerprints(app) == before


def corrupt_member(name, data):
    return data.replace(b"alice", b"mallory") if name == "tables/users.jsonl" else data


def truncate(path: Path, target: Path) -> None:
    target.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize(
    "damage",
    ["tampered row", "missing table", "truncated", "not a zip", "newer revision", "other format"],
)
def test_restore_refuses_a_damaged_or_foreign_file(app, runner, backup_file, tmp_path, damage):
    bad = tmp_path / "bad.zip"
    newer = {"alembic_revision": "9999"}
    if damage == "tampered row":
        rewrite_archive(backup_file, bad, corrupt_member)
    elif damage == "missing table":
        rewrite_archive(backup_file, bad, lambda n, d: None if n == "tables/expenses.jsonl" else d)
    elif damage == "truncated":
        truncate(backup_file, bad)
    elif damage == "not a zip":
        bad.write_text("date,amount\n2024-01-01,1.00\n")
    else:
        changes = newer if damage == "newer revision" else {"format": "something-else"}

        def edit_manifest(name, data):
            if name != "manifest.json":
                return data
            return json.dumps({**json.loads(data), **changes}).encode()

        rewrite_archive(backup_file, bad, edit_manifest)
    before = fingerprints(app)

    result = runner.invoke(args=["restore", str(bad), "--force"])

    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert fingerprints(app) == before
    if damage == "newer revision":
        assert "newer than this app" in result.output


def test_restore_refuses_an_unmigrated_database(backup_file, scratch_app):
    target = scratch_app("sqlite", migrate=False)
    result = target.test_cli_runner().invoke(args=["restore", str(backup_file)])

    assert result.exit_code == 1
    assert "flask db upgrade" in result.output


LATER_TABLE = "    op.create_table('later', sa.Column('id', sa.Integer, primary_key=True))"


def test_restore_refuses_a_backup_from_an_older_revision(backup_file, scratch_app, tmp_path):
    target = scratch_app("sqlite")
    with target.app_context():
        current = latest_revision()
    newer = str(migrations_with_extra_revision(tmp_path, LATER_TABLE))
    with target.app_context():
        upgrade(directory=newer)
    target.extensions["migrate"].directory = newer

    result = target.test_cli_runner().invoke(args=["restore", str(backup_file)])

    assert result.exit_code == 1
    assert f"older schema revision {current}" in result.output
    assert fingerprints(target)["users"][0] == 0


def test_restore_refuses_a_database_behind_the_app(backup_file, scratch_app, tmp_path):
    target = scratch_app("sqlite")
    target.extensions["migrate"].directory = str(
        migrations_with_extra_revision(tmp_path, LATER_TABLE)
    )

    result = target.test_cli_runner().invoke(args=["restore", str(backup_file)])

    assert result.exit_code == 1
    assert "run 'flask db upgrade' first" in result.output
