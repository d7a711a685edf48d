"""`flask jobs run`: every periodic job does its work, each in its own transaction; one
failing leaves the others done and exits 1; nothing still valid is deleted."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from expenses_app.extensions import db
from expenses_app.models import (
    Expense,
    IdempotencyKey,
    ImportBatch,
    PasswordResetToken,
    RateLimitCounter,
    RecoveryCode,
    UserSession,
)

from .factories import make_expense, make_import, make_rule
from .test_recurring_posting import ann_cannot_post

NOW = dt.datetime.now(dt.UTC)
TABLES = {
    "expenses": Expense,
    "drafts": ImportBatch,
    "keys": IdempotencyKey,
    "reset": PasswordResetToken,
    "sessions": UserSession,
    "codes": RecoveryCode,
}
JOB_NAMES = ["recurring", "trash", "import-drafts", "idempotency-keys", "security-rows"]


def _add(app, row) -> uuid.UUID:
    with app.app_context():
        db.session.add(row)
        db.session.commit()
        return row.id


def _aged(app, model, row_id: uuid.UUID, **values) -> uuid.UUID:
    with app.app_context():
        db.session.execute(update(model).where(model.id == row_id).values(**values))
        db.session.commit()
    return row_id


def _trashed(app, user_id, days_ago: float) -> uuid.UUID:
    expense_id = make_expense(app, user_id, deleted=True)
    return _aged(app, Expense, expense_id, deleted_at=NOW - dt.timedelta(days=days_ago))


def _reset(app, user_id, *, expires_in: dt.timedelta, used: bool = False) -> uuid.UUID:
    return _add(
        app,
        PasswordResetToken(
            user_id=user_id,
            token_hash=uuid.uuid4().hex * 2,
            password_fingerprint="0" * 64,
            expires_at=NOW + expires_in,
            used_at=NOW if used else None,
        ),
    )


def _session(app, user_id, *, expires_in: dt.timedelta, revoked: bool = False) -> uuid.UUID:
    return _add(
        app,
        UserSession(
            user_id=user_id,
            token_hash=uuid.uuid4().hex * 2,
            expires_at=NOW + expires_in,
            revoked_at=NOW if revoked else None,
        ),
    )


def _security_rows(app, user_id) -> dict[str, set[uuid.UUID]]:
    """(dead, live) rows of each security table, by name."""
    hour = dt.timedelta(hours=1)
    dead_code, live_code = (
        _add(app, RecoveryCode(user_id=user_id, code_hash=uuid.uuid4().hex * 2, used_at=used))
        for used in (NOW, None)
    )
    return {
        "dead reset": {
            _reset(app, user_id, expires_in=-hour),
            _reset(app, user_id, expires_in=hour, used=True),
        },
        "live reset": {_reset(app, user_id, expires_in=hour)},
        "dead sessions": {
            _session(app, user_id, expires_in=-hour),
            _session(app, user_id, expires_in=hour, revoked=True),
        },
        "live sessions": {_session(app, user_id, expires_in=hour)},
        "dead codes": {dead_code},
        "live codes": {live_code},
    }


@pytest.fixture
def rows(app, user) -> dict[str, set[uuid.UUID]]:
    """Rows each job must delete ("dead ...") and rows it must keep ("live ..."), with a
    monthly rule from 2026-01-05 for the recurring job."""
    make_rule(app, user.id, start_date=dt.date(2026, 1, 5), description="Phone")
    keys = [
        _add(app, IdempotencyKey(user_id=user.id, key=f"k{hours}", fingerprint="0" * 64))
        for hours in (25, 23)
    ]
    for key_id, hours in zip(keys, (25, 23), strict=True):
        _aged(app, IdempotencyKey, key_id, created_at=NOW - dt.timedelta(hours=hours))
    drafts = [make_import(app, user.id) for _ in range(2)]
    for draft_id, days in zip(drafts, (8, 6), strict=True):
        _aged(app, ImportBatch, draft_id, created_at=NOW - dt.timedelta(days=days))
    for key, offset in (("dead", -1), ("live", 60)):
        _add_counter(app, key, time.time() + offset)
    return {
        "dead expenses": {_trashed(app, user.id, 31)},
        "live expenses": {_trashed(app, user.id, 29), make_expense(app, user.id)},
        "dead drafts": {drafts[0]},
        "live drafts": {drafts[1]},
        "dead keys": {keys[0]},
        "live keys": {keys[1]},
        **_security_rows(app, user.id),
    }


def _add_counter(app, key: str, expires_at: float) -> None:
    with app.app_context():
        db.session.add(RateLimitCounter(key=key, hits=3, expires_at=expires_at))
        db.session.commit()


def _remaining(app) -> dict[str, set]:
    with app.app_context():
        found = {name: set(db.session.scalars(select(model.id))) for name, model in TABLES.items()}
        found["counters"] = set(db.session.scalars(select(RateLimitCounter.key)))
        found["posted"] = set(
            db.session.scalars(select(Expense.date).where(Expense.description == "Phone"))
        )
        return found


def _kept(rows, remaining, name: str) -> set:
    """Of the rows made for table `name`, those still there."""
    return (rows[f"dead {name}"] | rows[f"live {name}"]) & remaining[name]


def test_jobs_run_does_every_job_and_keeps_what_is_still_valid(app, runner, rows):
    result = runner.invoke(args=["jobs", "run", "--date", "2026-03-05"])
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.output.splitlines()] == JOB_NAMES
    assert "posted 3 recurring expenses due by 2026-03-05" in result.output
    assert "purged 1 expenses" in result.output
    assert "deleted 1 import drafts" in result.output
    assert "deleted 1 API idempotency keys" in result.output
    assert "2 used or expired reset links, 2 expired or revoked sessions" in result.output
    assert "1 used recovery codes, 1 expired rate-limit counters" in result.output
    remaining = _remaining(app)
    for name in ("expenses", "drafts", "keys", "reset", "sessions", "codes"):
        assert _kept(rows, remaining, name) == rows[f"live {name}"], name
    assert remaining["counters"] == {"live"}
    assert remaining["posted"] == {dt.date(2026, 1, 5), dt.date(2026, 2, 5), dt.date(2026, 3, 5)}


def test_jobs_run_without_a_date_posts_by_the_clock(app, runner, user, monkeypatch):
    make_rule(app, user.id, start_date=dt.date(2026, 1, 5), description="Phone")
    monkeypatch.setattr("expenses_app.clock.today", lambda: dt.date(2026, 2, 4))
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "recurring: posted 1 recurring expenses due by 2026-02-04" in result.output
    assert _remaining(app)["posted"] == {dt.date(2026, 1, 5)}


def test_a_failing_job_is_reported_the_others_still_run_and_the_exit_code_is_1(
    app, runner, rows, monkeypatch
):
    def broken(older_than):
        db.session.execute(update(Expense).values(description="half done"))
        raise OperationalError("DELETE", {}, Exception("database is locked"))

    monkeypatch.setattr("expenses_app.cli.jobs.purge_trash", broken)
    result = runner.invoke(args=["jobs", "run", "--date", "2026-03-05"])
    assert result.exit_code == 1
    assert "trash: FAILED: database is locked" in result.output
    assert "1 of 5 jobs failed (trash)" in result.output
    assert "import-drafts: deleted 1" in result.output and "security-rows: deleted" in result.output
    remaining = _remaining(app)
    assert _kept(rows, remaining, "expenses") == rows["dead expenses"] | rows["live expenses"]
    assert _kept(rows, remaining, "drafts") == rows["live drafts"]
    assert _kept(rows, remaining, "sessions") == rows["live sessions"]
    assert len(remaining["posted"]) == 3
    with app.app_context():
        assert "half done" not in set(db.session.scalars(select(Expense.description)))


def test_a_ledger_that_cannot_be_posted_fails_the_recurring_job_only(app, runner, monkeypatch):
    _, ben = ann_cannot_post(app, monkeypatch)
    result = runner.invoke(args=["jobs", "run", "--date", "2026-01-05"])
    assert result.exit_code == 1
    assert "recurring: FAILED: posted 1 recurring expenses" in result.output
    assert "deadlock detected" in result.output
    assert "security-rows: deleted 0" in result.output
    with app.app_context():
        owners = set(db.session.scalars(select(Expense.ledger_id)))
    assert owners == {ben.id}


def test_jobs_run_refuses_a_malformed_date_and_does_nothing(app, runner, rows):
    result = runner.invoke(args=["jobs", "run", "--date", "5 March"])
    assert result.exit_code == 2
    remaining = _remaining(app)
    assert _kept(rows, remaining, "expenses") == rows["dead expenses"] | rows["live expenses"]
    assert remaining["posted"] == set()
