"""`/auth/2fa`: TOTP two-factor login, set up, switched off, recovery codes, the second step.

Every change (on, off, new recovery codes) ends the user's other sessions,
gives this browser a fresh one and is a security event. Every code any form
accepts goes through the replay guard (totp.claim_code) and counts against
the account's failure limit (two_factor.counted).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import quote

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from .. import clock
from ..extensions import db
from ..models import User, utcnow
from ..security import safe_next_url
from . import notices, totp
from .events import security_event
from .security_forms import TwoFactorConfirmForm, TwoFactorEnableForm, TwoFactorVerifyForm
from .sessions import account_user, enter_session, restart_sessions, start_session
from .two_factor import (
    SETUP_KEY,
    PendingLogin,
    check_code,
    check_second_factor,
    counted,
    forgive,
    pending_login,
)

bp = Blueprint("two_factor", __name__, url_prefix="/auth/2fa")
WRONG_CODE = "That code is not right, or it was used already: wait for the next one."


def _setup_secret() -> str:
    """The secret being set up in this browser (kept encrypted in its session until
    enabled, so showing the page twice shows the same one)."""
    secret = totp.decrypt(session.get(SETUP_KEY))
    if secret is None:
        secret = totp.new_secret()
        session[SETUP_KEY] = totp.encrypt(secret)
    return secret


def _render_setup(user: User, form: TwoFactorEnableForm, status: int = 200):
    secret = _setup_secret()
    uri = totp.otpauth_uri(secret, user.username)
    page = render_template(
        "auth/2fa.html", enabled=False, form=form, secret=secret, qr=totp.qr_svg(uri)
    )
    return page, status


def _render_enabled(user: User, *, disable_form=None, codes_form=None, status: int = 200):
    left = totp.recovery_codes_left(user.id)
    return render_template(
        "auth/2fa.html",
        enabled=True,
        left=left,
        few=left <= totp.FEW_RECOVERY_CODES,
        disable_form=disable_form or TwoFactorConfirmForm(formdata=None, password_hash=""),
        codes_form=codes_form or TwoFactorConfirmForm(formdata=None, password_hash=""),
    ), status


def _show_codes(codes: list[str]):
    """The recovery codes, this once, with a plain-text download built into the page."""
    text = "Expenses recovery codes (each works once)\n\n" + "\n".join(codes) + "\n"
    download = "data:text/plain;charset=utf-8," + quote(text)
    return render_template("auth/recovery_codes.html", codes=codes, download=download)


def _rotate(user: User, event: str) -> None:
    """Commit a two-factor change with fresh sessions; log it."""
    remember = restart_sessions(user)
    forgive(user.id)
    db.session.commit()
    enter_session(user, remember=remember)
    security_event(event, user_id=user.id)


@bp.get("")
@login_required
def index():
    user = account_user()
    if totp.is_enabled(user):
        return _render_enabled(user)
    return _render_setup(user, TwoFactorEnableForm(formdata=None, password_hash=""))


@bp.post("/enable")
@login_required
def enable():
    user = account_user()
    if totp.is_enabled(user):
        flash("Two-factor login is already on.", "info")
        return redirect(url_for("two_factor.index"))
    secret = totp.decrypt(session.get(SETUP_KEY))
    form = TwoFactorEnableForm(password_hash=user.password_hash)

    def code_right() -> bool:
        return bool(secret) and counted(
            user.id, lambda: totp.claim_code(user.id, secret, form.code.data)
        )

    if _confirmed(user, form, code_right):
        codes = totp.enable(user, secret, clock.now())
        _rotate(user, "2fa_enabled")
        return _show_codes(codes)
    return _render_setup(user, form, 422)


def _confirmed(
    user: User,
    form: TwoFactorConfirmForm | TwoFactorEnableForm,
    code_right: Callable[[], bool],
) -> bool:
    """Password and a code both right (a wrong code is counted and shown)."""
    if not form.validate_on_submit():
        return False
    if code_right():
        return True
    db.session.commit()  # the failure stays counted
    form.code.errors.append(WRONG_CODE)
    security_event("2fa_code_refused", user_id=user.id, level=logging.WARNING)
    return False


@bp.post("/disable")
@login_required
def disable():
    user = account_user()
    if not totp.is_enabled(user):
        return redirect(url_for("two_factor.index"))
    form = TwoFactorConfirmForm(password_hash=user.password_hash)
    if _confirmed(user, form, lambda: check_code(user, form.code.data)):
        totp.disable(user)
        _rotate(user, "2fa_disabled")
        notices.security_change(user.email, user.username, "two-factor login was switched off")
        flash("Two-factor login is off. Every other device has been logged out.", "success")
        return redirect(url_for("two_factor.index"))
    return _render_enabled(user, disable_form=form, status=422)


@bp.post("/recovery-codes")
@login_required
def recovery_codes():
    user = account_user()
    if not totp.is_enabled(user):
        return redirect(url_for("two_factor.index"))
    form = TwoFactorConfirmForm(password_hash=user.password_hash)
    if _confirmed(user, form, lambda: check_code(user, form.code.data)):
        codes = totp.replace_recovery_codes(user.id)
        _rotate(user, "2fa_recovery_codes_replaced")
        return _show_codes(codes)
    return _render_enabled(user, codes_form=form, status=422)


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    pending = pending_login()
    if pending is None:
        target = safe_next_url(request.args.get("next"))
        if current_user.is_authenticated:
            return redirect(target or url_for("dashboard.index"))
        flash("Log in first (the second step waits only a few minutes).", "info")
        return redirect(url_for("auth.login", next=target))
    form = TwoFactorVerifyForm()
    if form.validate_on_submit():
        proof = check_second_factor(pending.user, form.code.data)
        if proof is not None:
            return _second_step_done(pending, proof)
        db.session.commit()  # the failure stays counted
        form.code.errors.append(WRONG_CODE)
        security_event("2fa_failed", user_id=pending.user.id, level=logging.WARNING)
    return render_template("auth/2fa_verify.html", form=form), (422 if form.errors else 200)


def _second_step_done(pending: PendingLogin, proof: str):
    user = pending.user
    start_session(user, remember=pending.remember)
    user.last_login_at = utcnow()
    forgive(user.id)
    db.session.commit()
    enter_session(user, remember=pending.remember)
    security_event("login" if proof == "totp" else "login_recovery_code", user_id=user.id)
    if proof == "recovery":
        left = totp.recovery_codes_left(user.id)
        if left <= totp.FEW_RECOVERY_CODES:
            flash(
                f"Only {left} recovery codes left: make a new set on the two-factor page.",
                "warning",
            )
    # This page's own `next` (contract), else the one the password step was given.
    target = safe_next_url(request.args.get("next")) or safe_next_url(pending.target)
    return redirect(target or url_for("dashboard.index"))
