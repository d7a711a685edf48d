"""The personal access token pages: list, create (shown once), revoke (issue 16)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from .. import clock
from ..extensions import db
from .api_tokens import (
    create_api_token,
    expiring_soon,
    revoke_api_token,
    user_tokens,
    users_token_or_none,
)
from .events import security_event
from .passwords import verify_password
from .sessions import account_user, logged_in_since
from .token_forms import EXPIRY_LABELS, SCOPE_LABELS, TokenForm

bp = Blueprint("tokens", __name__, url_prefix="/auth/tokens")
# A token outlives the session that made it, so a browser left logged in must not be
# enough to mint one: longer than this after the login, creating one asks for the
# password again (a client that logs in and then creates a token is never asked).
RECENT_LOGIN = dt.timedelta(minutes=10)


def _token_form(**kwargs) -> TokenForm:
    """The creation form; its `password` field only when the login is not recent."""
    form = TokenForm(**kwargs)
    since = logged_in_since(current_user.session_token)
    if since is not None and clock.now() - since <= RECENT_LOGIN:
        del form.password
    return form


def _password_confirmed(form: TokenForm, password_hash: str) -> bool:
    """True when the form asks no password, or its password is the account's."""
    if "password" not in form or verify_password(password_hash, form.password.data or ""):
        return True
    form.password.errors.append("Enter your password: you logged in a while ago.")
    security_event("api_token_password_refused", user_id=current_user.id, level=logging.WARNING)
    return False


def _render(form: TokenForm, new_token: str | None = None, status: int = 200):
    """The tokens page: the list, the warnings about expiry, the form, a new token once."""
    tokens = user_tokens(current_user.id)
    page = render_template(
        "auth/tokens.html",
        form=form,
        tokens=tokens,
        expiring=expiring_soon(tokens),
        new_token=new_token,
        scope_labels=SCOPE_LABELS,
        expiry_labels=EXPIRY_LABELS,
    )
    return page, status


@bp.get("")
@login_required
def index():
    return _render(_token_form())


@bp.post("")
@login_required
def create():
    user = account_user()
    form = _token_form()
    if not form.validate_on_submit() or not _password_confirmed(form, user.password_hash):
        return _render(form, status=422)
    issued = create_api_token(
        user.id, name=form.name.data, scope=form.scope.data, expires=form.expires.data
    )
    db.session.commit()
    security_event("api_token_created", user_id=user.id)
    # Shown this once, on this very answer: it is never stored, so no redirect.
    return _render(_token_form(formdata=None), new_token=issued.token)


@bp.post("/<uuid:token_id>/revoke")
@login_required
def revoke(token_id: uuid.UUID):
    token = users_token_or_none(current_user.id, token_id) or abort(404)
    revoke_api_token(token)
    db.session.commit()
    security_event("api_token_revoked", user_id=current_user.id)
    flash(f"Token “{token.name}” revoked: it no longer works.", "success")
    return redirect(url_for("tokens.index"))
