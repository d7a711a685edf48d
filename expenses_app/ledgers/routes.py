"""The ledgers pages: the user's ledgers, a new one, switching, a ledger's page, renaming,
deleting and leaving. Members and invitations are handled in `member_routes.py`."""

from __future__ import annotations

import logging
import uuid

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..auth.events import security_event
from ..auth.sessions import account_user
from ..extensions import db
from ..models import ROLE_LABELS
from ..scoping import NoLedger, require_role
from . import member_routes
from .current import switch_ledger
from .forms import DeleteLedgerForm, LedgerForm
from .members import leave_ledger
from .pages import render_detail
from .services import LedgerRefused, create_ledger, delete_ledger, rename_ledger, user_ledgers

bp = Blueprint("ledgers", __name__, url_prefix="/ledgers")

NO_LEDGER = (
    "You are not in any ledger yet. Create one below, or open the invitation link "
    "someone in your household sent you."
)


@bp.app_errorhandler(NoLedger)
def no_ledger(_exc: NoLedger):
    # Every page of part 1 needs a current ledger; this one lists and creates them.
    flash(NO_LEDGER, "info")
    return redirect(url_for("ledgers.index"))


@bp.app_context_processor
def ledger_switcher() -> dict:
    """`switcher_ledgers()` for the header: the user's ledgers, read only when a page shows
    the header. Cached pages may hold it: memberships and renames change the user's version."""

    def switcher_ledgers():
        return user_ledgers(current_user.id) if current_user.is_authenticated else []

    return {"switcher_ledgers": switcher_ledgers}


@bp.app_template_filter("role_label")
def role_label(role: str | None) -> str:
    return ROLE_LABELS.get(role or "", role or "")


@bp.get("/")
@login_required
def index():
    return render_template("ledgers/index.html", ledgers=user_ledgers(current_user.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = LedgerForm()
    if form.validate_on_submit():
        ledger = create_ledger(current_user.id, form.name.data)
        switch_ledger(current_user.id, ledger.id, current_user.session_token)
        db.session.commit()
        security_event("ledger_created", user_id=current_user.id, ledger_id=ledger.id)
        flash(f"Ledger “{ledger.name}” created. Invite the others from this page.", "success")
        return redirect(url_for("ledgers.detail", ledger_id=ledger.id))
    return render_template("ledgers/new.html", form=form), 422 if form.errors else 200


@bp.post("/<uuid:ledger_id>/switch")
@login_required
def switch(ledger_id: uuid.UUID):
    require_role(ledger_id, "viewer")
    switch_ledger(current_user.id, ledger_id, current_user.session_token)
    db.session.commit()
    return redirect(url_for("dashboard.index"))


@bp.get("/<uuid:ledger_id>")
@login_required
def detail(ledger_id: uuid.UUID):
    return render_detail(require_role(ledger_id, "viewer"))


@bp.post("/<uuid:ledger_id>/edit")
@login_required
def edit(ledger_id: uuid.UUID):
    scope = require_role(ledger_id, "owner")
    form = LedgerForm()
    if not form.validate_on_submit():
        return render_detail(scope, status=422, failed={"rename": form})
    rename_ledger(ledger_id, form.name.data)
    db.session.commit()
    security_event("ledger_renamed", user_id=current_user.id, ledger_id=ledger_id)
    flash("Ledger renamed.", "success")
    return redirect(url_for("ledgers.detail", ledger_id=ledger_id))


@bp.post("/<uuid:ledger_id>/delete")
@login_required
def delete(ledger_id: uuid.UUID):
    scope = require_role(ledger_id, "owner")
    form = DeleteLedgerForm(password_hash=account_user().password_hash)
    if not form.validate_on_submit():
        security_event(
            "ledger_delete_refused",
            user_id=current_user.id,
            ledger_id=ledger_id,
            level=logging.WARNING,
        )
        return render_detail(scope, status=422, failed={"delete": form})
    try:
        name = delete_ledger(ledger_id, current_user.id)
    except LedgerRefused as refusal:
        db.session.rollback()
        form.form_errors.append(str(refusal))
        return render_detail(scope, status=422, failed={"delete": form})
    db.session.commit()
    security_event("ledger_deleted", user_id=current_user.id, ledger_id=ledger_id)
    flash(f"Ledger “{name}” and everything in it have been deleted.", "info")
    return redirect(url_for("ledgers.index"))


@bp.post("/<uuid:ledger_id>/leave")
@login_required
def leave(ledger_id: uuid.UUID):
    scope = require_role(ledger_id, "viewer")
    try:
        leave_ledger(ledger_id, current_user.id)
    except LedgerRefused as refusal:
        db.session.rollback()
        return render_detail(scope, status=422, error=str(refusal))
    db.session.commit()
    security_event("member_left", user_id=current_user.id, ledger_id=ledger_id)
    flash("You have left the ledger. Its expenses, yours included, stay in it.", "info")
    remaining = user_ledgers(current_user.id)
    return redirect(url_for("dashboard.index" if remaining else "ledgers.new"))


member_routes.register(bp)
