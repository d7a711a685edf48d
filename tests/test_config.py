"""Configuration: validated at start-up, one line naming the variable on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import config
from config import ConfigError, normalise_database_url
from expenses_app import create_app

REPO = Path(__file__).resolve().parent.parent
STRONG_SECRET = "x" * 40

BAD_ENVIRONMENTS = {
    "malformed url": ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
    "bad port": ({"DATABASE_URL": "postgresql://app@db:port/expenses"}, "DATABASE_URL"),
    "unsupported scheme": ({"DATABASE_URL": "mysql://app@db/expenses"}, "DATABASE_URL"),
    "postgres without database": ({"DATABASE_URL": "postgresql://app@db"}, "DATABASE_URL"),
    "production without secret": ({"APP_ENV": "production"}, "SECRET_KEY"),
    "production weak secret": ({"APP_ENV": "production", "SECRET_KEY": "changeme"}, "SECRET_KEY"),
    "unknown app env": ({"APP_ENV": "staging"}, "APP_ENV"),
    "bad pool size": ({"DATABASE_POOL_SIZE": "many"}, "DATABASE_POOL_SIZE"),
    "bad echo flag": ({"DB_ECHO": "maybe"}, "DB_ECHO"),
    "bad API rate limit": ({"API_RATE_LIMIT": "lots"}, "API_RATE_LIMIT"),  # issue 16
}


def clean_environment(**values: str) -> dict[str, str]:
    names = ("DATABASE_URL", "SECRET_KEY", "APP_ENV", "DB_ECHO", "DATABASE_POOL_SIZE", "FLASK_APP")
    env = {k: v for k, v in os.environ.items() if k not in names}
    return {**env, **values}


@pytest.fixture
def environment(monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "APP_ENV", "DB_ECHO", "DATABASE_POOL_SIZE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("case", BAD_ENVIRONMENTS)
def test_bad_environment_stops_create_app_naming_the_variable(environment, case):
    values, variable = BAD_ENVIRONMENTS[case]
    for name, value in values.items():
        environment.setenv(name, value)

    with pytest.raises(ConfigError) as error:
        create_app()

    assert variable in str(error.value)
    assert "\n" not in str(error.value)


def test_production_with_a_strong_secret_starts(environment, tmp_path):
    environment.setenv("APP_ENV", "production")
    environment.setenv("SECRET_KEY", STRONG_SECRET)
    environment.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")

    app = create_app()

    assert app.config["SECRET_KEY"] == STRONG_SECRET
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not app.debug


def test_production_has_no_built_in_secret():
    assert config.ProductionConfig.SECRET_KEY is None
    assert config.BaseConfig.SECRET_KEY is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgres://app:pw@db:5432/expenses", "postgresql+psycopg2://app:pw@db:5432/expenses"),
        ("postgresql://app@db/expenses", "postgresql+psycopg2://app@db/expenses"),
        ("sqlite:////srv/expenses.db", "sqlite:////srv/expenses.db"),
    ],
)
def test_database_urls_are_normalised(raw, expected):
    assert normalise_database_url(raw) == expected


def test_default_database_is_sqlite_in_the_instance_folder(environment):
    app = create_app()

    assert app.config["SQLALCHEMY_DATABASE_URI"] == config.DEFAULT_SQLITE_URL
    assert "/instance/" in config.DEFAULT_SQLITE_URL


def test_postgresql_gets_a_sized_pre_pinged_pool(environment):
    environment.setenv("DATABASE_URL", "postgresql://app@db/expenses")
    environment.setenv("DATABASE_POOL_SIZE", "7")

    options = create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]

    assert options["pool_size"] == 7 and options["pool_pre_ping"] is True


def run_entry_point(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", ["malformed url", "unsupported scheme", "bad port", "production without secret"]
)
def test_flask_command_stops_with_one_line(case):
    values, variable = BAD_ENVIRONMENTS[case]
    result = run_entry_point(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "current"],
        clean_environment(**values),
    )

    assert result.returncode == 4
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("configuration error: ") and variable in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("case", ["malformed url", "production without secret"])
def test_gunicorn_stops_instead_of_restarting_workers(case):
    values, variable = BAD_ENVIRONMENTS[case]
    result = run_entry_point(
        [sys.executable, "-m", "gunicorn", "--no-control-socket", "-b", "127.0.0.1:0", "wsgi:app"],
        clean_environment(**values),
    )

    assert result.returncode != 0
    config_lines = [line for line in result.stderr.splitlines() if "configuration error" in line]
    assert len(config_lines) == 1 and variable in config_lines[0]
    assert "Traceback" not in result.stderr
