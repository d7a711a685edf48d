"""`/auth/sessions`: the user's active logins; revoke one, or every other one (issue 15)."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from ..extensions import db
from ..tokens import token_hash
from .events import security_event
from .login_sessions import (
    active_sessions,
    browser_label,
    live_session,
    revoke_other_sessions,
    revoke_session,
)

bp = Blueprint("login_sessions", __name__, url_prefix="/auth/sessions")


@bp.get("")
@login_required
def index():
    return render_template(
        "auth/sessions.html",
        sessions=active_sessions(current_user.id),
        current_hash=token_hash(current_user.session_token),
        browser_label=browser_label,
    )


@bp.post("/<uuid:session_id>/revoke")
@login_required
def revoke(session_id: uuid.UUID):
    row = live_session(current_user.id, session_id) or abort(404)
    is_current = row.token_hash == token_hash(current_user.session_token)
    revoke_session(row.id)
    db.session.commit()
    security_event("session_revoked", user_id=current_user.id, target=row.id)
    if is_current:
        session.clear()
        logout_user()
        flash("You are logged out.", "info")
        return redirect(url_for("auth.login"))
    flash("That login has been logged out.", "success")
    return redirect(url_for("login_sessions.index"))


@bp.post("/revoke-others")
@login_required
def revoke_others():
    count = revoke_other_sessions(current_user.id, current_user.session_token)
    db.session.commit()
    security_event("sessions_revoked_others", user_id=current_user.id)
    flash(f"Logged out {count} other login{'s' if count != 1 else ''}.", "success")
    return redirect(url_for("login_sessions.index"))
