"""`/auth/forgot` and `/auth/reset/<token>`: password reset by one-time link (issue 15).

`/auth/forgot` gives the same answer whether or not an account uses the
address, and is limited per address and per account (429 with Retry-After).
The mail goes out in the background (mail.py), so a known address is not
slower to answer either.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import logout_user
from sqlalchemy import select

from ..extensions import db
from ..models import User
from . import notices, services
from .attempt_limits import hashed, take_attempt
from .events import security_event
from .password_policy import personal_words
from .reset import create_reset_token, find_reset_user, reset_url, use_reset_token
from .security_forms import ForgotPasswordForm, ResetPasswordForm
from .sessions import end_all_sessions
from .throttling import address_key

bp = Blueprint("password_reset", __name__, url_prefix="/auth")


def _limit_requests(email: str) -> None:
    """Count this request per client address and per account (the address typed)."""
    take_attempt("RATELIMIT_FORGOT_PER_ADDRESS", address_key())
    take_attempt("RATELIMIT_FORGOT_PER_ACCOUNT", hashed(services.normalise_email(email)))


def _mail_reset_link(email: str) -> None:
    """Mail a link when an active account uses exactly this address; otherwise nothing."""
    user = db.session.scalar(
        select(User).where(User.email == services.normalise_email(email), User.is_active)
    )
    if user is None:
        return
    token = create_reset_token(user)
    db.session.commit()
    security_event("password_reset_mailed", user_id=user.id)
    notices.reset_link(user.email, reset_url(token))


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    has_mail = notices.mail_settings() is not None
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        _limit_requests(form.email.data)
        db.session.commit()  # the request stays counted, whether or not the account exists
        security_event("password_reset_requested", login=form.email.data)
        if has_mail:
            _mail_reset_link(form.email.data)
        return render_template("auth/forgot.html", form=None, has_mail=has_mail, sent=True)
    status = 422 if form.errors else 200
    return render_template("auth/forgot.html", form=form, has_mail=has_mail, sent=False), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    reset_row, user = find_reset_user(token) or abort(404)
    form = ResetPasswordForm(personal=personal_words(user.username, user.email))
    if form.validate_on_submit():
        if not use_reset_token(reset_row.id, user.id):
            db.session.rollback()
            abort(404)
        services.change_password(user, form.new_password.data)
        end_all_sessions(user.id)
        db.session.commit()
        security_event("password_reset", user_id=user.id)
        notices.security_change(user.email, user.username, "the password was reset")
        # This browser starts logged out too, whoever it was logged in as.
        session.clear()
        logout_user()
        flash("Your password has been changed. Log in with the new one.", "success")
        return redirect(url_for("auth.login"))
    if form.errors:
        security_event("password_reset_refused", user_id=user.id, level=logging.WARNING)
    return render_template("auth/reset.html", form=form), (422 if form.errors else 200)
