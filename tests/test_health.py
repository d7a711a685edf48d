"""`/health` and `/health/db` exactly as the contract words them."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from expenses_app.extensions import db
from expenses_app.schema_version import latest_revision

from .conftest import build_app, migrations_with_extra_revision


def assert_json_no_store(response) -> None:
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"


def test_health_answers_ok_without_touching_the_database(app, client):
    with app.app_context():
        engine = db.engine
    checkouts = []

    def record(*args):
        checkouts.append(args)

    event.listen(engine, "checkout", record)
    try:
        response = client.get("/health")
    finally:
        event.remove(engine, "checkout", record)

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert_json_no_store(response)
    assert checkouts == []


def test_health_answers_ok_even_when_the_database_is_gone(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'app.db'}")

    response = app.test_client().get("/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_health_db_reports_database_revision_and_latency(app, client):
    response = client.get("/health/db")

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"status", "database", "revision", "latency_ms"}
    with app.app_context():
        assert body["database"] == db.engine.dialect.name
        assert body["revision"] == latest_revision()
    assert body["status"] == "ok"
    assert isinstance(body["latency_ms"], int | float) and body["latency_ms"] >= 0
    assert_json_no_store(response)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///{tmp}/missing/dir/app.db",
        "postgresql://postgres@127.0.0.1:1/nothing",
    ],
    ids=["sqlite-missing-directory", "postgresql-closed-port"],
)
def test_health_db_is_503_when_the_database_cannot_be_reached(tmp_path, url):
    app = build_app(url.format(tmp=tmp_path))

    response = app.test_client().get("/health/db")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "error": "database unreachable"}
    assert_json_no_store(response)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_health_db_is_503_on_an_unmigrated_database(scratch_app, kind):
    app = scratch_app(kind, migrate=False)

    response = app.test_client().get("/health/db")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert "flask db upgrade" in body["error"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_health_db_is_503_while_a_migration_is_pending(scratch_app, tmp_path, kind):
    app = scratch_app(kind)
    newer = migrations_with_extra_revision(
        tmp_path, "    op.create_table('later', sa.Column('id', sa.Integer, primary_key=True))"
    )
    app.extensions["migrate"].directory = str(newer)

    response = app.test_client().get("/health/db")

    assert response.status_code == 503
    assert "flask db upgrade" in response.get_json()["error"]
