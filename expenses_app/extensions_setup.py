"""Binding the extensions to an app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from .auth.limiter_storage import register_storage_scheme
from .auth.sessions import configure_login
from .database import configure_engines
from .extensions import csrf, db, limiter, migrate
from .page_cache import init_page_cache

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    configure_engines(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    configure_login(app)
    configure_limiter(app)
    init_page_cache(app)


def configure_limiter(app: Flask) -> None:
    """Bind the limiter, whose counters live in our database (limiter_storage.py).

    The limiter object is shared by every app in the process (the tests build
    one per database), and Flask-Limiter reads RATELIMIT_ENABLED only once, at
    init_app. So it is always initialised, and a request filter asks the
    current app's setting on every request.
    """
    register_storage_scheme()
    enabled = app.config["RATELIMIT_ENABLED"]
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    app.config["RATELIMIT_ENABLED"] = enabled


@limiter.request_filter
def _rate_limits_off() -> bool:
    return not current_app.config["RATELIMIT_ENABLED"]
