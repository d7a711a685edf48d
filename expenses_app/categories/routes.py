"""The categories pages. (Foundation skeleton.)"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("categories", __name__, url_prefix="/categories")


@bp.get("/")
@login_required
def index():
    return render_template("categories/index.html")
