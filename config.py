"""Configuration: the one place that reads the environment.

`APP_ENV` picks a class (development, testing, production); `load_config`
validates the result and fails with one line naming the variable at fault.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

INSTANCE_DIR = Path(__file__).resolve().parent / "instance"
DEFAULT_SQLITE_URL = f"sqlite:///{INSTANCE_DIR / 'expenses.db'}"
SUPPORTED_DIALECTS = ("sqlite", "postgresql")
REGISTRATION_MODES = ("open", "invite", "closed")  # issue 15
WEAK_SECRETS = {"dev", "secret", "changeme", "change-me", "development", "test"}


class ConfigError(RuntimeError):
    """A configuration problem; its message is a single line meant for operators."""


def _env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _env_str(values: dict[str, Any], *names: str) -> None:
    """Copy each set (non-empty) variable into `values` as it is."""
    for name in names:
        if os.environ.get(name, "").strip():
            values[name] = os.environ[name].strip()


def _env_rate(name: str, default: str) -> str:
    """A rate limit such as `300 per minute` (Flask-Limiter's notation), checked now."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        parse(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a rate such as '300 per minute', not {raw!r}") from None
    return raw


def normalise_database_url(raw: str, variable: str = "DATABASE_URL") -> str:
    """Validate a database URL and return the form SQLAlchemy should use.

    Hosting providers hand out `postgres://` URLs, which SQLAlchemy no longer
    accepts; they mean PostgreSQL through psycopg2.
    """
    raw = raw.strip()
    if raw.startswith("postgres://"):
        raw = "postgresql+psycopg2://" + raw[len("postgres://") :]
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise ConfigError(
            f"{variable} is not a valid database URL (expected sqlite:///path or "
            "postgresql://user@host/dbname)"
        ) from None
    if url.get_backend_name() not in SUPPORTED_DIALECTS:
        raise ConfigError(
            f"{variable} names an unsupported database {url.get_backend_name()!r} "
            "(use sqlite or postgresql)"
        )
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg2")
        if not url.database:
            raise ConfigError(f"{variable} names no PostgreSQL database")
    return url.render_as_string(hide_password=False)


class BaseConfig:
    APP_ENV = "development"
    DEBUG = False
    TESTING = False
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI = DEFAULT_SQLITE_URL
    SQLALCHEMY_ECHO = False
    SQLALCHEMY_RECORD_QUERIES = False
    DATABASE_POOL_SIZE = 5
    DATABASE_MAX_OVERFLOW = 10
    DATABASE_POOL_TIMEOUT = 30
    SQLITE_BUSY_TIMEOUT_MS = 15000
    # Receipts are at most 5 MB (contract); the rest of a form fits in the margin.
    RECEIPT_MAX_BYTES = 5 * 1024 * 1024
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    IMPORT_MAX_BYTES = 5 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 500 * 1024
    MAX_FORM_PARTS = 1000
    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # Absolute lifetimes of a login, enforced by its server-side session row
    # (auth/sessions.py): 12 hours, or 30 days with "keep me logged in".
    PERMANENT_SESSION_LIFETIME = 12 * 60 * 60
    REMEMBER_COOKIE_DURATION = 30 * 24 * 60 * 60
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    # argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile).
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_COST = 65536
    PASSWORD_HASH_PARALLELISM = 4
    RATELIMIT_ENABLED = True
    # Counters in our own database, shared by every gunicorn worker with no
    # extra service (expenses_app/auth/limiter_storage.py).
    RATELIMIT_STORAGE_URI = "app-database://"
    RATELIMIT_STRATEGY = "fixed-window"
    RATELIMIT_LOGIN_PER_ACCOUNT = "5 per 15 minutes"
    RATELIMIT_LOGIN_PER_ADDRESS = "30 per 15 minutes"
    API_RATE_LIMIT = "300 per minute"  # issue 16: per API token
    HSTS = False
    TRASH_RETENTION_DAYS = 30
    # Rendered pages kept per worker until the user's data changes (page_cache.py); 0 = off.
    PAGE_CACHE_BYTES = 16 * 1024 * 1024
    # Issue 15, account security (docs/security.md). REGISTRATION: open, invite
    # or closed (None: open, or invite when APP_ENV=production).
    REGISTRATION: str | None = None
    BASE_URL = "http://127.0.0.1:5000"
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_FROM: str | None = None
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    MAIL_TIMEOUT_SECONDS = 10
    # A separate key for the TOTP secrets (any string; None: derived from SECRET_KEY).
    TOTP_ENCRYPTION_KEY: str | None = None
    TWO_FACTOR_FAILURE_LIMIT = "5 per 15 minutes"
    RATELIMIT_FORGOT_PER_ACCOUNT = "3 per hour"
    RATELIMIT_FORGOT_PER_ADDRESS = "10 per hour"

    @classmethod
    def from_environment(cls) -> dict[str, Any]:
        """Values read from the process environment, converted and validated."""
        values: dict[str, Any] = {}
        if os.environ.get("DATABASE_URL"):
            values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
        if os.environ.get("SECRET_KEY"):
            values["SECRET_KEY"] = os.environ["SECRET_KEY"]
        values["SQLALCHEMY_ECHO"] = _env_bool("DB_ECHO", cls.SQLALCHEMY_ECHO)
        values["DATABASE_POOL_SIZE"] = _env_int("DATABASE_POOL_SIZE", cls.DATABASE_POOL_SIZE)
        values["DATABASE_MAX_OVERFLOW"] = _env_int(
            "DATABASE_MAX_OVERFLOW", cls.DATABASE_MAX_OVERFLOW
        )
        values["DATABASE_POOL_TIMEOUT"] = _env_int(
            "DATABASE_POOL_TIMEOUT", cls.DATABASE_POOL_TIMEOUT
        )
        if os.environ.get("TRUSTED_HOSTS"):
            values["TRUSTED_HOSTS"] = [
                h.strip() for h in os.environ["TRUSTED_HOSTS"].split(",") if h.strip()
            ]
        values["PROXY_FIX_COUNT"] = _env_int("PROXY_FIX_COUNT", 0)
        values["PAGE_CACHE_BYTES"] = _env_int("PAGE_CACHE_BYTES", cls.PAGE_CACHE_BYTES)
        values["API_RATE_LIMIT"] = _env_rate("API_RATE_LIMIT", cls.API_RATE_LIMIT)  # issue 16
        values.update(cls._account_security_environment())  # issue 15
        return values

    @classmethod
    def _account_security_environment(cls) -> dict[str, Any]:
        values: dict[str, Any] = {}
        _env_str(values, "REGISTRATION", "BASE_URL", "MAIL_SERVER", "MAIL_FROM")
        _env_str(values, "MAIL_USERNAME", "MAIL_PASSWORD", "TOTP_ENCRYPTION_KEY")
        if "REGISTRATION" in values:
            values["REGISTRATION"] = values["REGISTRATION"].lower()
        values["MAIL_PORT"] = _env_int("MAIL_PORT", cls.MAIL_PORT)
        values["MAIL_USE_TLS"] = _env_bool("MAIL_USE_TLS", cls.MAIL_USE_TLS)
        return values


class DevelopmentConfig(BaseConfig):
    APP_ENV = "development"
    # Development only: a fixed key so restarts keep you logged in. Production has none.
    SECRET_KEY = "development-only-secret-key-not-for-production"


class TestingConfig(BaseConfig):
    APP_ENV = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-with-enough-length-000"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # Cheap hashing keeps the suite fast; production strength is tested separately.
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_COST = 8
    PASSWORD_HASH_PARALLELISM = 1

    @classmethod
    def from_environment(cls) -> dict[str, Any]:
        # Tests choose their database explicitly; a developer's DATABASE_URL must
        # never be wiped by the test suite.
        return {}


class ProductionConfig(BaseConfig):
    APP_ENV = "production"
    SESSION_COOKIE_SECURE = True
    # __Host- cookies are refused by browsers unless Secure, Path=/ and host-only.
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_NAME = "__Host-remember"
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = True


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_class_from_env() -> type[BaseConfig]:
    name = os.environ.get("APP_ENV", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None


def validate(settings: Mapping[str, Any]) -> None:
    """Refuse settings that would run insecurely or not at all."""
    secret = settings.get("SECRET_KEY")
    if settings.get("APP_ENV") == "production":
        if not secret:
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
        if secret.lower() in WEAK_SECRETS or len(secret) < 32:
            raise ConfigError(
                "SECRET_KEY is too weak for production (use at least 32 random characters)"
            )
        if settings.get("DEBUG"):
            raise ConfigError("DEBUG must be off when APP_ENV=production")
        for flag in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
            if not settings.get(flag):
                raise ConfigError(f"{flag} must be on when APP_ENV=production")
    elif not secret:
        raise ConfigError("SECRET_KEY is not set")
    normalise_database_url(settings["SQLALCHEMY_DATABASE_URI"], "SQLALCHEMY_DATABASE_URI")
    validate_account_security(settings)


def validate_account_security(settings: Mapping[str, Any]) -> None:
    """Issue 15: the registration mode, the base URL of reset links, the mail settings."""
    mode = settings.get("REGISTRATION")
    if mode not in REGISTRATION_MODES:
        raise ConfigError(f"REGISTRATION must be open, invite or closed, not {mode!r}")
    base = urlsplit(settings.get("BASE_URL") or "")
    if base.scheme not in ("http", "https") or not base.netloc:
        raise ConfigError("BASE_URL must be an absolute http(s) URL like https://example.org")
    if settings.get("MAIL_SERVER") and not settings.get("MAIL_FROM"):
        raise ConfigError("MAIL_FROM must be set when MAIL_SERVER is")
    if not 0 < int(settings.get("MAIL_PORT") or 0) < 65536:
        raise ConfigError("MAIL_PORT must be a port number between 1 and 65535")


def load_config(app: Any, config: type[BaseConfig] | Mapping[str, Any] | None) -> None:
    """Fill `app.config` from a config class, a mapping, or `APP_ENV` plus the environment.

    A mapping is applied on top of `TestingConfig` unless it names its own
    `APP_ENV`, so tests can state only what differs.
    """
    if config is None:
        cls = config_class_from_env()
        overrides: Mapping[str, Any] = cls.from_environment()
    elif isinstance(config, Mapping):
        cls = CONFIGS[config.get("APP_ENV", "testing")]
        overrides = config
    else:
        cls = config
        overrides = cls.from_environment()
    app.config.from_object(cls)
    app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"], "DATABASE_URL"
    )
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    if app.config.get("REGISTRATION") is None:  # issue 15: the default depends on APP_ENV
        app.config["REGISTRATION"] = "invite" if app.config["APP_ENV"] == "production" else "open"
    validate(app.config)


def engine_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Pool settings per dialect: PostgreSQL gets a sized, pre-pinged pool."""
    url = make_url(settings["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        return {
            "pool_size": settings["DATABASE_POOL_SIZE"],
            "max_overflow": settings["DATABASE_MAX_OVERFLOW"],
            "pool_timeout": settings["DATABASE_POOL_TIMEOUT"],
            "pool_pre_ping": True,
            "pool_recycle": 1800,
            "connect_args": {"connect_timeout": 5},
        }
    return {"connect_args": {"timeout": settings["SQLITE_BUSY_TIMEOUT_MS"] / 1000}}
