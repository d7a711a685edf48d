"""The budgets pages. (Foundation skeleton.)"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("budgets", __name__, url_prefix="/budgets")


@bp.get("/")
@login_required
def index():
    return render_template("budgets/index.html")
