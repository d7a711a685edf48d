"""The personal access token pages: list, create (shown once), revoke (issue 16)."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import db
from .api_tokens import (
    create_api_token,
    expiring_soon,
    revoke_api_token,
    user_tokens,
    users_token_or_none,
)
from .events import security_event
from .sessions import account_user
from .token_forms import EXPIRY_LABELS, SCOPE_LABELS, TokenForm

bp = Blueprint("tokens", __name__, url_prefix="/auth/tokens")


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
    return _render(TokenForm())


@bp.post("")
@login_required
def create():
    user = account_user()
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    issued = create_api_token(
        user.id, name=form.name.data, scope=form.scope.data, expires=form.expires.data
    )
    db.session.commit()
    security_event("api_token_created", user_id=user.id)
    # Shown this once, on this very answer: it is never stored, so no redirect.
    return _render(TokenForm(formdata=None), new_token=issued.token)


@bp.post("/<uuid:token_id>/revoke")
@login_required
def revoke(token_id: uuid.UUID):
    token = users_token_or_none(current_user.id, token_id) or abort(404)
    revoke_api_token(token)
    db.session.commit()
    security_event("api_token_revoked", user_id=current_user.id)
    flash(f"Token “{token.name}” revoked: it no longer works.", "success")
    return redirect(url_for("tokens.index"))
