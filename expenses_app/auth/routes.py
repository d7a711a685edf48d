"""Accounts: registration, login, logout, the account page, deletion."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import User
from ..security import safe_next_url
from . import notices, services, totp
from .events import security_event
from .forms import DeleteAccountForm, LoginForm, PasswordChangeForm, ProfileForm, RegisterForm
from .password_policy import personal_words
from .registration import RegistrationDoor, invite_token, join_invited_ledger, registration_door
from .sessions import (
    account_user,
    end_session,
    enter_session,
    restart_sessions,
    start_session,
)
from .throttling import limit_login_attempts, mark_failed_login
from .two_factor import begin_pending

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _status(*forms) -> int:
    return 422 if any(form.errors for form in forms) else 200


@bp.route("/login", methods=["GET", "POST"])
@limit_login_attempts
def login():
    target = safe_next_url(request.args.get("next")) or url_for("dashboard.index")
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            return _password_accepted(user, form.remember.data, target)
        # The same words whether the account exists or not.
        form.form_errors.append("Wrong email/username or password.")
        security_event("login_failed", login=form.login.data, level=logging.WARNING)
    if request.method == "POST":
        mark_failed_login()
        # End the transaction now: the throttle counts this failure on its own
        # connection after the view, and SQLite has a single writer.
        db.session.rollback()
    return render_template("auth/login.html", form=form), _status(form)


def _password_accepted(user: User, remember: bool, target: str):
    """Log in, or with two-factor login on, go to the second step (no session yet)."""
    if totp.is_enabled(user):
        db.session.commit()  # a rehashed password, the time of this login
        begin_pending(user, remember=remember, target=target)
        security_event("login_second_step", user_id=user.id)
        return redirect(url_for("two_factor.verify", next=target))
    start_session(user, remember=remember)
    db.session.commit()
    enter_session(user, remember=remember)
    security_event("login", user_id=user.id)
    return redirect(target)


@bp.route("/register", methods=["GET", "POST"])
def register():
    # `next`: an invitation link opened before having an account leads back to it.
    target = safe_next_url(request.args.get("next")) or url_for("dashboard.index")
    if current_user.is_authenticated:
        return redirect(target)
    door = registration_door(invite_token(request.args.get("invite"), request.args.get("next")))
    if door.refusal:
        return _refuse_registration(door)
    form = RegisterForm()
    if form.validate_on_submit():
        user = _create_account(form, door)
        if user is not None:
            return _welcome(user, url_for("dashboard.index") if door.invite else target)
    return render_template("auth/register.html", form=form, door=door), _status(form)


def _refuse_registration(door: RegistrationDoor):
    """The page says why; a refused POST answers 403 (nothing was written)."""
    status = 403 if request.method == "POST" else 200
    if status == 403:
        security_event("registration_refused", level=logging.WARNING)
    return render_template("auth/register.html", form=None, door=door), status


def _create_account(form: RegisterForm, door: RegistrationDoor) -> User | None:
    """The new account, joined to the door's invitation's ledger; None after a form error."""
    try:
        user = services.register_user(
            email=form.email.data,
            username=form.username.data,
            password=form.password.data,
            full_name=form.full_name.data,
        )
        if not join_invited_ledger(user, door):
            db.session.rollback()
            abort(403)  # the invitation was used or revoked a moment ago
        start_session(user, remember=False)
        db.session.commit()
    except IntegrityError:
        # Someone registered the same email or username a moment ago.
        db.session.rollback()
        form.form_errors.append("That email or username was just taken. Try another.")
        return None
    if door.invite is not None:
        security_event("invite_used", user_id=user.id, ledger_id=door.invite.invite.ledger_id)
    return user


def _welcome(user: User, target: str):
    enter_session(user, remember=False)
    security_event("register", user_id=user.id)
    flash("Welcome! Your account is ready.", "success")
    return redirect(target)


@bp.post("/logout")
@login_required
def logout():
    user = current_user._get_current_object()
    end_session(user)
    db.session.commit()
    security_event("logout", user_id=user.id)
    # Clear first: logout_user then leaves the note that deletes the remember cookie.
    session.clear()
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


def _submitted_form() -> str | None:
    """Which account form a POST came from: the hidden `form_name`, or failing
    that the contract's field names (a script may omit the hidden field)."""
    if request.method != "POST":
        return None
    name = request.form.get("form_name")
    if name in ("profile", "password"):
        return name
    return "password" if "new_password" in request.form else "profile"


def _account_forms(user: User, submitted: str | None):
    """The profile and password forms; only the submitted one reads the request's data."""

    def data_for(name: str) -> dict:
        return {} if submitted == name else {"formdata": None}

    profile = ProfileForm(
        obj=user,
        user_id=user.id,
        password_hash=user.password_hash,
        current_email=user.email,
        **data_for("profile"),
    )
    passwords = PasswordChangeForm(
        password_hash=user.password_hash,
        personal=personal_words(user.username, user.email),
        **data_for("password"),
    )
    return profile, passwords


def _render_account(profile, passwords, delete_form):
    return render_template(
        "auth/account.html", profile=profile, passwords=passwords, delete_form=delete_form
    ), _status(profile, passwords, delete_form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = account_user()
    submitted = _submitted_form()
    profile, passwords = _account_forms(user, submitted)
    if submitted == "profile" and profile.validate_on_submit() and _save_profile(user, profile):
        flash("Profile saved.", "success")
        return redirect(url_for("auth.account"))
    if submitted == "password" and passwords.validate_on_submit():
        return _change_password(user, passwords.new_password.data)
    delete_form = DeleteAccountForm(formdata=None, password_hash=user.password_hash)
    return _render_account(profile, passwords, delete_form)


def _save_profile(user: User, profile: ProfileForm) -> bool:
    """Store the profile; a new email address is logged and the old one told (issue 15)."""
    old_email = user.email
    services.update_profile(user, full_name=profile.full_name.data, email=profile.email.data)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        profile.email.errors.append("Another account uses this email.")
        return False
    if user.email != old_email:
        security_event("email_changed", user_id=user.id)
        notices.email_changed(old_email, user.email, user.username)
    return True


def _change_password(user: User, new_password: str):
    """Store the new password, end every session and log this browser in afresh."""
    # Every session ends, this browser's included; it gets a fresh one at once,
    # so a copy of its old session or remember cookie is worthless too.
    services.change_password(user, new_password)
    remember = restart_sessions(user)
    db.session.commit()
    enter_session(user, remember=remember)
    security_event("password_changed", user_id=user.id)
    notices.security_change(user.email, user.username, "the password was changed")
    flash("Password changed. Every other device has been logged out.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/delete")
@login_required
def delete():
    user = account_user()
    form = DeleteAccountForm(password_hash=user.password_hash)
    if form.validate_on_submit():
        refusal = _delete_account(user.id)
        if refusal is None:
            return redirect(url_for("auth.login"))
        form.password.errors.append(refusal)
    security_event("account_delete_refused", user_id=user.id, level=logging.WARNING)
    profile, passwords = _account_forms(user, None)
    return _render_account(profile, passwords, form)


def _delete_account(user_id) -> str | None:
    """Delete the account and log out; or why it cannot be deleted (nothing changes)."""
    try:
        services.delete_account(user_id)
    except services.AccountDeletionRefused as refused:
        db.session.rollback()
        names = ", ".join(f"“{name}”" for name in refused.names)
        return (
            f"You are the only owner of {names}, which other members share. "
            "Make another member an owner, or remove them, first."
        )
    db.session.commit()
    session.clear()
    logout_user()
    security_event("account_deleted", user_id=user_id)
    flash("Your account and everything in it have been deleted.", "info")
    return None
