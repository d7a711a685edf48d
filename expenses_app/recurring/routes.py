"""The recurring expenses pages: the list, new, edit, delete, skip a date, post a date."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from .. import clock
from ..extensions import db
from ..models import RecurringRule
from ..reads.privacy import is_masked
from ..scoping import Scope, current_scope, get_owned_or_404, require_role, writable_scope
from ..versioning import EditConflict
from .autopost import post_due_on_page_load
from .forms import EditRuleForm, OccurrenceForm, RuleForm
from .queries import rule_rows, waiting_confirmation
from .services import (
    OccurrenceRefused,
    confirm_occurrence,
    create_rule,
    delete_rule,
    skip_occurrence,
    update_rule,
)

DECIDE_CONFLICT_MESSAGE = (
    "This rule changed at the same moment (another tab, or its dates being posted), "
    "so nothing was done. Check the list and try again."
)

bp = Blueprint("recurring", __name__, url_prefix="/recurring")
bp.before_app_request(post_due_on_page_load)

CONFLICT_MESSAGE = (
    "This rule was changed elsewhere after you opened this form, so nothing was saved. "
    "Check the values below and save again to replace that change."
)


def changeable_rule(rule_id: uuid.UUID) -> tuple[RecurringRule, Scope]:
    """A rule the user may change, with their scope in its ledger: 404 outside their ledgers
    or for another member's private rule, 403 for a viewer."""
    rule = get_owned_or_404(RecurringRule, rule_id)
    if is_masked(rule.private, rule.user_id, current_user.id):
        abort(404)
    return rule, require_role(rule)


def _list_page(errors: tuple[str, ...] = ()):
    scope = current_scope()
    return render_template(
        "recurring/index.html",
        rules=rule_rows(scope),
        waiting=waiting_confirmation(scope, clock.today()),
        errors=errors,
    )


@bp.get("/")
@login_required
def index():
    return _list_page()


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    scope = writable_scope()
    form = RuleForm(ledger_id=scope.ledger_id)
    if form.validate_on_submit():
        create_rule(scope, form.values())
        db.session.commit()
        flash("Recurring expense saved.", "success")
        return redirect(url_for("recurring.index"))
    return render_template("recurring/form.html", form=form, rule=None), (
        422 if form.errors else 200
    )


@bp.route("/<uuid:rule_id>/edit", methods=["GET", "POST"])
@login_required
def edit(rule_id: uuid.UUID):
    rule, _ = changeable_rule(rule_id)
    form = EditRuleForm(data=EditRuleForm.initial_data(rule), ledger_id=rule.ledger_id)
    if form.validate_on_submit():
        try:
            update_rule(rule, form.values(), clock.today(), form.version.expected)
            db.session.commit()
        except EditConflict:
            db.session.rollback()
            return _conflict(rule_id, form)
        flash("Recurring expense saved. Expenses it posted already stay as they are.", "success")
        return redirect(url_for("recurring.index"))
    return render_template("recurring/form.html", form=form, rule=rule), (
        422 if form.errors else 200
    )


def _conflict(rule_id: uuid.UUID, form: EditRuleForm):
    current, _ = changeable_rule(rule_id)
    form.version.data = str(current.version)
    form.form_errors.append(CONFLICT_MESSAGE)
    return render_template("recurring/form.html", form=form, rule=current), 409


@bp.post("/<uuid:rule_id>/delete")
@login_required
def delete(rule_id: uuid.UUID):
    rule, _ = changeable_rule(rule_id)
    description = rule.description
    delete_rule(rule)
    db.session.commit()
    flash(f"“{description}” deleted. The expenses it posted stay.", "info")
    return redirect(url_for("recurring.index"))


@bp.post("/<uuid:rule_id>/skip")
@login_required
def skip(rule_id: uuid.UUID):
    return _decide(rule_id, "skip")


@bp.post("/<uuid:rule_id>/post")
@login_required
def post(rule_id: uuid.UUID):
    return _decide(rule_id, "post")


def _decide(rule_id: uuid.UUID, action: str):
    """Skip or post the form's date; a refused date answers 422 with the reason."""
    rule, _ = changeable_rule(rule_id)
    form = OccurrenceForm()
    if not form.validate_on_submit():
        return _list_page(tuple(e for errors in form.errors.values() for e in errors)), 422
    try:
        if action == "skip":
            skip_occurrence(rule, form.date.data)
        else:
            confirm_occurrence(rule, form.date.data, clock.today())
        db.session.commit()
    except OccurrenceRefused as refused:
        db.session.rollback()
        return _list_page((str(refused),)), 422
    except EditConflict:
        db.session.rollback()
        return _list_page((DECIDE_CONFLICT_MESSAGE,)), 409
    done = "skipped" if action == "skip" else "posted"
    flash(f"“{rule.description}” of {form.date.data:%d %B %Y} {done}.", "success")
    return redirect(url_for("recurring.index"))
