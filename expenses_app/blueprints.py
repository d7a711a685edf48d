"""Every blueprint, registered in one place."""

from __future__ import annotations

from flask import Flask

from .auth import bp as auth_bp
from .budgets import bp as budgets_bp
from .categories import bp as categories_bp
from .dashboard import bp as dashboard_bp
from .expenses import bp as expenses_bp
from .health import bp as health_bp
from .ledgers.invite_routes import bp as invites_bp
from .ledgers.routes import bp as ledgers_bp
from .recurring import bp as recurring_bp  # issue 14
from .reports import bp as reports_bp


def register_blueprints(app: Flask) -> None:
    for blueprint in (
        auth_bp,
        categories_bp,
        expenses_bp,
        budgets_bp,
        dashboard_bp,
        reports_bp,
        ledgers_bp,
        invites_bp,
        health_bp,
        recurring_bp,
    ):
        app.register_blueprint(blueprint)
