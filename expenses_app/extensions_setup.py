"""Binding the extensions to an app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .auth.sessions import configure_login
from .database import configure_engines
from .extensions import csrf, db, limiter, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    configure_engines(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    configure_login(app)
    limiter.init_app(app)
