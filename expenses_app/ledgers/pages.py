"""The ledger page, shown by its GET and re-shown by every owner form that failed on it."""

from __future__ import annotations

import uuid
from typing import Any

from flask import render_template
from flask_login import current_user

from ..scoping import Scope
from .forms import DeleteLedgerForm, InviteForm, LedgerForm, RoleForm
from .invites import open_invites
from .services import Member, get_ledger, ledger_members


def _role_form(member: Member) -> RoleForm:
    form = RoleForm(formdata=None, data={"role": member.role})
    return with_row_id(form, member.user_id)


def with_row_id(form: RoleForm, user_id: uuid.UUID) -> RoleForm:
    """`form` with a field id of its own: every member's row has a `role` select."""
    form.role.id = form.role.label.field_id = f"role-{user_id}"
    return form


def render_detail(
    scope: Scope,
    *,
    status: int = 200,
    error: str | None = None,
    new_link: str | None = None,
    new_role: str | None = None,
    failed: dict[str, Any] | None = None,
):
    """The page of `scope`'s ledger: members for everyone, the owner's forms for owners.

    `failed` holds the submitted form that did not validate (by name: `rename`,
    `delete`, `invite`, or `role` as a (user id, form) pair), shown with its
    errors in place of a blank one; `new_link` is an invitation link just made
    (for `new_role`), shown once; `error` a refusal that belongs to no one field.
    """
    failed = failed or {}
    ledger = get_ledger(scope.ledger_id)
    members = ledger_members(ledger.id)
    owner = scope.is_owner
    role_forms = {m.user_id: _role_form(m) for m in members} if owner else {}
    if "role" in failed:
        user_id, form = failed["role"]
        role_forms[user_id] = with_row_id(form, user_id)
    return render_template(
        "ledgers/detail.html",
        ledger=ledger,
        scope=scope,
        members=members,
        invites=open_invites(ledger.id) if owner else [],
        is_current=ledger.id == current_user.ledger_id,
        ledger_count=current_user.ledger_count,
        rename_form=failed.get("rename") or LedgerForm(formdata=None, obj=ledger),
        delete_form=failed.get("delete") or DeleteLedgerForm(formdata=None, password_hash=""),
        invite_form=failed.get("invite") or InviteForm(formdata=None),
        role_forms=role_forms,
        new_link=new_link,
        new_role=new_role,
        error=error,
    ), status
