"""`/invites/<token>`: the page an invitation link opens, and joining with explicit consent.

Logged out, both answer 302 to the login page with `next` set to the link,
whatever the token (`login_required`), so the page tells a stranger nothing.
An unknown, used, revoked or expired link is a 404, all alike.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..auth.events import security_event
from ..extensions import db
from .current import switch_ledger
from .invites import AlreadyMember, find_open_invite, use_invite
from .members import is_member

bp = Blueprint("invites", __name__, url_prefix="/invites")


@bp.get("/<token>")
@login_required
def show(token: str):
    found = find_open_invite(token) or abort(404)
    member = is_member(found.invite.ledger_id, current_user.id)
    return render_template("ledgers/invite.html", found=found, token=token, member=member)


@bp.post("/<token>")
@login_required
def join(token: str):
    found = find_open_invite(token) or abort(404)
    ledger_id = found.invite.ledger_id
    try:
        joined = use_invite(found.invite, current_user.id)
    except AlreadyMember:
        # The link stays unused, for whoever it was meant for.
        db.session.rollback()
        flash(f"You are already a member of “{found.ledger_name}”.", "info")
        return redirect(url_for("ledgers.detail", ledger_id=ledger_id))
    if not joined:
        db.session.rollback()
        abort(404)
    switch_ledger(current_user.id, ledger_id, current_user.session_token)
    db.session.commit()
    security_event("invite_used", user_id=current_user.id, ledger_id=ledger_id)
    security_event("member_joined", user_id=current_user.id, ledger_id=ledger_id)
    flash(f"You have joined “{found.ledger_name}” as a {found.invite.role}.", "success")
    return redirect(url_for("dashboard.index"))
