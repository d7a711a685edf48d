"""Fixtures: the app on every available database, clients, CLI runner, helpers.

SQLite always runs; PostgreSQL too when TEST_DATABASE_URL is set. The schema
is built with `flask db upgrade`, so every run exercises the migrations. After
each test the derived structures are checked against their sources (a test
that leaves them out of step fails, unless marked `derived_out_of_step`) and
every table is emptied, so no test sees another's rows.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from expenses_app import create_app
from expenses_app.derived import check_all, month_total_differences, rebuild_all
from expenses_app.extensions import db

from .factories import UserInfo, make_user

# The `today` fixture (the server's date, movable) of the recurring expense tests.
pytest_plugins = ["tests.server_date"]
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def reset_postgres(url: str) -> None:
    """Empty the test database's public schema (a database the suite owns)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def database_url(kind: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = make_url(os.environ["TEST_DATABASE_URL"])
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


def build_app(url: str, **overrides) -> Flask:
    settings = {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}
    settings.update(overrides)
    return create_app(settings)


OUT_OF_STEP_MARKER = "derived_out_of_step"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{OUT_OF_STEP_MARKER}: the test leaves derived structures out of step on purpose "
        "(the app fixture rebuilds them instead of failing the test)",
    )


@pytest.fixture(scope="session", params=DATABASES)
def _migrated_app(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Flask]:
    url = database_url(request.param, tmp_path_factory)
    if request.param == "postgresql":
        reset_postgres(url)
    app = build_app(url)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def empty_all_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(t.name for t in tables)
                connection.execute(text(f"TRUNCATE {names} CASCADE"))
            else:
                for table in tables:
                    connection.execute(table.delete())


def derived_out_of_step(app: Flask) -> dict[str, list[str]]:
    """The derived structures that differ from their sources, with what differs ({} when none)."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            return {name: found for name, found in check_all(connection).items() if found}


def rebuild_derived(app: Flask, names: set[str]) -> None:
    with app.app_context(), db.engine.begin() as connection:
        rebuild_all(connection, only=names)


@pytest.fixture
def app(_migrated_app: Flask, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The migrated app for one database. When the test ends the derived structures must
    match their sources (they are rebuilt if not, so the next test starts sound), and
    every table is emptied."""
    _migrated_app.config.update(RATELIMIT_ENABLED=False)
    yield _migrated_app
    problems = derived_out_of_step(_migrated_app)
    if problems:
        rebuild_derived(_migrated_app, set(problems))
    empty_all_tables(_migrated_app)
    if problems and not request.node.get_closest_marker(OUT_OF_STEP_MARKER):
        pytest.fail(f"the test left derived structures out of step: {problems}")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def user(app: Flask) -> UserInfo:
    """A registered user (with the default categories) who is not logged in."""
    return make_user(app)


@pytest.fixture
def logged_in(app: Flask, client: FlaskClient, user: UserInfo) -> UserInfo:
    """`user`, logged in on `client`."""
    login(client, user)
    return user


def login(client: FlaskClient, user: UserInfo) -> None:
    """Log `client` in as `user` through the real login form."""
    response = post_form(
        client,
        "/auth/login",
        {"login": user.username, "password": user.password},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def csrf_token(client: FlaskClient, page: str = "/auth/login") -> str:
    """A valid CSRF token for `client`'s session, read from a rendered page."""
    for url in (page, "/", "/auth/login"):
        html = client.get(url).get_data(as_text=True)
        match = CSRF_RE.search(html)
        if match:
            return match.group(1) or match.group(2)
    raise AssertionError("no page offered a CSRF token")


def post_form(
    client: FlaskClient,
    url: str,
    data: dict | None = None,
    *,
    page: str | None = None,
    follow_redirects: bool = False,
    **kwargs,
):
    """POST `data` to `url` with the CSRF token a browser would have sent.

    The token comes from `page` (default: `url` itself, then the dashboard or
    login page for routes that have no GET).
    """
    form = dict(data or {})
    form["csrf_token"] = csrf_token(client, page or url)
    return client.post(url, data=form, follow_redirects=follow_redirects, **kwargs)


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements the app runs inside the block (not BEGIN/COMMIT/PRAGMA)."""
    statements: list[str] = []
    skip = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "SET ")

    def _record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(skip):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _record)


def data_statements(statements: list[str]) -> list[str]:
    """`statements` without the login machinery's own (loading the user and their session),
    so a page's statement count does not change when authentication does."""
    return [s for s in statements if not re.search(r"\bFROM (users|user_sessions)\b", s)]


def month_totals_drift(app: Flask) -> dict:
    """Where `expense_month_totals` differs from the live expenses it summarises ({} when exact):
    (ledger, month, category, payment method, private_of) -> ((stored count, cents), (live
    count, cents)), from the derived registry's check."""
    with app.app_context(), db.engine.connect() as connection:
        rows = month_total_differences(connection, limit=1000)
    return {tuple(row[:5]): (tuple(row[5:7]), tuple(row[7:])) for row in rows}


def other_database_kind(app: Flask) -> str:
    """The kind of database `app` does not use (SQLite when PostgreSQL is unavailable)."""
    with app.app_context():
        current = db.engine.dialect.name
    return "postgresql" if current == "sqlite" and "postgresql" in DATABASES else "sqlite"


@pytest.fixture
def scratch_app(tmp_path):
    """Build apps on fresh, empty databases: `scratch_app("sqlite", migrate=True)`.

    PostgreSQL scratch databases are named after TEST_DATABASE_URL's database
    (`<name>_scratch<n>`) and dropped when the test ends.
    """
    apps: list[Flask] = []
    created: list[str] = []
    admin = None
    if "postgresql" in DATABASES:
        base = make_url(database_url("postgresql", tmp_path_factory=None))
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def make(kind: str, *, migrate: bool = True, **overrides) -> Flask:
        if kind == "postgresql" and admin is None:
            pytest.skip("TEST_DATABASE_URL is not set")
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / f'scratch{len(apps)}.db'}"
        else:
            name = f"{base.database}_scratch{len(created)}"
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            created.append(name)
            url = base.set(database=name).render_as_string(hide_password=False)
        new_app = build_app(url, **overrides)
        apps.append(new_app)
        if migrate:
            with new_app.app_context():
                upgrade()
        return new_app

    yield make
    for built in apps:
        with built.app_context():
            db.engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            for name in created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


EXTRA_REVISION = "zz_test_extra"


def migrations_with_extra_revision(directory: Path, upgrade_body: str) -> Path:
    """A copy of migrations/ in `directory` with one more revision after the real head.

    `upgrade_body` is the indented body of its `upgrade()`; the app under test
    uses the copy once `app.extensions["migrate"].directory` points at it.
    """
    source = Path(__file__).resolve().parent.parent / "migrations"
    target = directory / "migrations"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    config = AlembicConfig()
    config.set_main_option("script_location", str(source))
    head = ScriptDirectory.from_config(config).get_current_head()
    (target / "versions" / f"{EXTRA_REVISION}.py").write_text(
        f'"""Test-only revision."""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = {EXTRA_REVISION!r}\ndown_revision = {head!r}\n"
        "branch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade():\n{upgrade_body}\n\n\ndef downgrade():\n    pass\n"
    )
    return target


CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium, never a browser a test tool downloads; the flags keep it off
# the network this machine does not have.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """`app` served on a free 127.0.0.1 port in a thread, for the browser tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def browser() -> Iterator:
    """Headless Debian Chromium driven by Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's Chromium is not installed (.ci/run installs it)")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
