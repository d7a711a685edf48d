"""Every blueprint, registered in one place."""

from __future__ import annotations

from flask import Flask

from .api import register_api
from .auth import bp as auth_bp
from .auth.reset_routes import bp as password_reset_bp  # issue 15
from .auth.session_routes import bp as login_sessions_bp  # issue 15
from .auth.token_routes import bp as tokens_bp
from .auth.two_factor_routes import bp as two_factor_bp  # issue 15
from .budgets import bp as budgets_bp
from .categories import bp as categories_bp
from .dashboard import bp as dashboard_bp
from .expenses import bp as expenses_bp
from .health import bp as health_bp
from .imports import bp as imports_bp  # issue 13
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
        two_factor_bp,  # issue 15
        password_reset_bp,  # issue 15
        login_sessions_bp,  # issue 15
        tokens_bp,
        imports_bp,
        recurring_bp,
    ):
        app.register_blueprint(blueprint)
    register_api(app)
