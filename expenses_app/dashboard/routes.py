"""The dashboard at `/`: this month against last, categories, trend, budgets, recent."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from .. import clock
from ..page_cache import cached_page
from ..recurring.queries import upcoming
from ..scoping import current_scope
from .queries import build_dashboard

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
@cached_page
def index():
    scope, today = current_scope(), clock.today()
    dashboard = build_dashboard(scope, today)
    return render_template(
        "dashboard/index.html", dashboard=dashboard, upcoming=upcoming(scope, today)
    )
