"""The expense tracker: `create_app()` builds a configured Flask application."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from config import BaseConfig, load_config

from .blueprints import register_blueprints
from .cli import register_cli
from .errors import register_error_handlers
from .extensions_setup import register_extensions
from .security import register_security
from .templating import register_template_helpers


def create_app(config: type[BaseConfig] | Mapping[str, Any] | None = None) -> Flask:
    """Build the app. Opens no database connection, so `gunicorn --preload` is safe."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app
