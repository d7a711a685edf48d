"""The owner's forms on a ledger's page: member roles, removal, invitations and revoking.

Registered on the ledgers blueprint by `register` (called from `routes.py`), so
the URLs stay under `/ledgers/<id>/…` with the rest of the ledger's pages.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required

from ..auth.events import security_event
from ..extensions import db
from ..scoping import require_role
from .forms import InviteForm, RoleForm
from .invites import create_invite, revoke_invite
from .members import change_role, remove_member
from .pages import render_detail
from .services import LedgerRefused

MEMBER = "/<uuid:ledger_id>/members/<uuid:user_id>"


def register(bp: Blueprint) -> None:
    """Add this module's views to `bp` (the ledgers blueprint)."""
    bp.add_url_rule(f"{MEMBER}/role", view_func=role, methods=["POST"])
    bp.add_url_rule(f"{MEMBER}/remove", view_func=remove, methods=["POST"])
    bp.add_url_rule("/<uuid:ledger_id>/invites", view_func=invite, methods=["POST"])
    bp.add_url_rule(
        "/<uuid:ledger_id>/invites/<uuid:invite_id>/revoke", view_func=revoke, methods=["POST"]
    )


def _back(ledger_id: uuid.UUID):
    return redirect(url_for("ledgers.detail", ledger_id=ledger_id))


@login_required
def role(ledger_id: uuid.UUID, user_id: uuid.UUID):
    scope = require_role(ledger_id, "owner")
    form = RoleForm()
    if not form.validate_on_submit():
        return render_detail(scope, status=422, failed={"role": (user_id, form)})
    try:
        previous = change_role(ledger_id, user_id, form.role.data)
    except LedgerRefused as refusal:
        db.session.rollback()
        return render_detail(scope, status=422, error=str(refusal))
    if previous is None:
        abort(404)
    db.session.commit()
    if previous != form.role.data:
        security_event(
            "member_role_changed", user_id=current_user.id, ledger_id=ledger_id, target=user_id
        )
    flash("Role changed.", "success")
    return _back(ledger_id)


@login_required
def remove(ledger_id: uuid.UUID, user_id: uuid.UUID):
    scope = require_role(ledger_id, "owner")
    try:
        removed = remove_member(ledger_id, user_id)
    except LedgerRefused as refusal:
        db.session.rollback()
        return render_detail(scope, status=422, error=str(refusal))
    if not removed:
        abort(404)
    db.session.commit()
    security_event("member_removed", user_id=current_user.id, ledger_id=ledger_id, target=user_id)
    flash("Member removed. The expenses they added stay in the ledger.", "success")
    # An owner who removed themselves can no longer open the ledger's page.
    return redirect(url_for("ledgers.index")) if user_id == current_user.id else _back(ledger_id)


@login_required
def invite(ledger_id: uuid.UUID):
    scope = require_role(ledger_id, "owner")
    form = InviteForm()
    if not form.validate_on_submit():
        return render_detail(scope, status=422, failed={"invite": form})
    created, token = create_invite(ledger_id, form.role.data, current_user.id)
    db.session.commit()
    security_event("invite_created", user_id=current_user.id, ledger_id=ledger_id)
    # Shown on this answer only: the database keeps just the token's hash.
    link = url_for("invites.show", token=token, _external=True)
    return render_detail(scope, new_link=link, new_role=created.role)


@login_required
def revoke(ledger_id: uuid.UUID, invite_id: uuid.UUID):
    require_role(ledger_id, "owner")
    revoked = revoke_invite(ledger_id, invite_id)
    if revoked is None:
        abort(404)
    db.session.commit()
    if revoked:
        security_event("invite_revoked", user_id=current_user.id, ledger_id=ledger_id)
        flash("Invitation revoked: its link no longer works.", "success")
    else:
        flash("That invitation had already been used, revoked or had expired.", "info")
    return _back(ledger_id)
