"""The dashboard at `/`: this month against last, categories, trend, budgets, recent."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .queries import build_dashboard

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    dashboard = build_dashboard(current_user.id, dt.date.today())
    return render_template("dashboard/index.html", dashboard=dashboard)
