"""The budgets pages: list with current progress, history, create, edit, delete."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required

from .. import clock
from ..extensions import db
from ..models import Budget
from ..page_cache import cached_page
from ..recurring.queries import committed_in_periods
from ..scoping import current_scope, get_owned_or_404, require_role, scope_in, writable_scope
from ..versioning import EditConflict
from .forms import BudgetForm
from .periods import HISTORY_LIMIT
from .progress import history_chart
from .queries import DETAIL_OPTIONS
from .services import (
    budget_history,
    budgets_progress,
    create_budget,
    delete_budget,
    update_budget,
)

bp = Blueprint("budgets", __name__, url_prefix="/budgets")

CONFLICT_MESSAGE = (
    "This budget was changed elsewhere after you opened this form, so nothing was saved. "
    "Check the values below and save again to replace that change."
)


@bp.get("/")
@login_required
@cached_page
def index():
    scope, today = current_scope(), clock.today()
    progress = budgets_progress(scope, today)
    return render_template(
        "budgets/index.html", budgets=progress, committed=committed_in_periods(scope, progress)
    )


@bp.get("/<uuid:budget_id>")
@login_required
@cached_page
def detail(budget_id: uuid.UUID):
    budget = get_owned_or_404(Budget, budget_id, *DETAIL_OPTIONS)
    history = budget_history(scope_in(budget.ledger_id), budget, clock.today())
    return render_template(
        "budgets/detail.html",
        budget=budget,
        current=history[0],
        history=history,
        chart=history_chart(history),
        history_limit=HISTORY_LIMIT,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    ledger_id = writable_scope().ledger_id
    form = BudgetForm(ledger_id=ledger_id)
    if form.validate_on_submit():
        budget = create_budget(ledger_id, form.values())
        db.session.commit()
        flash("Budget created.", "success")
        return redirect(url_for("budgets.detail", budget_id=budget.id))
    return render_template("budgets/form.html", form=form, budget=None), (
        422 if form.errors else 200
    )


@bp.route("/<uuid:budget_id>/edit", methods=["GET", "POST"])
@login_required
def edit(budget_id: uuid.UUID):
    budget = get_owned_or_404(Budget, budget_id)
    require_role(budget)
    form = BudgetForm(obj=budget, ledger_id=budget.ledger_id)
    if form.validate_on_submit():
        try:
            update_budget(budget, form.values(), form.version.expected)
            db.session.commit()
        except EditConflict:
            db.session.rollback()
            return _conflict(form, budget_id)
        flash("Budget saved.", "success")
        return redirect(url_for("budgets.detail", budget_id=budget_id))
    return render_template("budgets/form.html", form=form, budget=budget), (
        422 if form.errors else 200
    )


def _conflict(form: BudgetForm, budget_id: uuid.UUID):
    # Keep the user's values but arm the form with the current version, so a
    # deliberate second save goes through (and a deleted budget is a 404).
    budget = get_owned_or_404(Budget, budget_id)
    form.version.data = str(budget.version)
    form.form_errors.append(CONFLICT_MESSAGE)
    return render_template("budgets/form.html", form=form, budget=budget), 409


@bp.post("/<uuid:budget_id>/delete")
@login_required
def delete(budget_id: uuid.UUID):
    budget = get_owned_or_404(Budget, budget_id)
    require_role(budget)
    delete_budget(budget)
    db.session.commit()
    flash("Budget deleted.", "success")
    return redirect(url_for("budgets.index"))
