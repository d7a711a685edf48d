"""Accounts: registration, login, logout, the account page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..models import utcnow
from ..security import safe_next_url
from .forms import LoginForm
from .passwords import verify_password
from .services import find_user_by_login

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user_by_login(form.login.data)
        if (
            user is not None
            and user.is_active
            and verify_password(user.password_hash, form.password.data)
        ):
            user.last_login_at = utcnow()
            db.session.commit()
            # A fresh session at login: nothing planted before it survives.
            session.clear()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next_url(request.args.get("next")) or url_for("dashboard.index"))
        form.form_errors.append("Wrong email/username or password.")
    return render_template(
        "auth/login.html", form=form
    ), 422 if form.errors or form.form_errors else 200


@bp.route("/register", methods=["GET", "POST"])
def register():
    return render_template("auth/placeholder.html", title="Register")


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    return render_template("auth/placeholder.html", title="Account")
