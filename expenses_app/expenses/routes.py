"""The expenses pages: list, create, edit, detail, trash, receipts, CSV export and import."""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from ..budgets.alerts import budget_alerts
from ..categories.services import category_choices
from ..extensions import db
from ..models import Expense, utcnow
from ..page_cache import cached_page
from ..reads import ExpenseFilters, expense_page, parse_page
from ..reads.privacy import is_masked, shown_to
from ..scoping import Scope, current_scope, get_owned_or_404, scope_in, writable_scope
from ..versioning import EditConflict
from .export import csv_chunks, export_filename
from .filter_form import ExpenseFilterForm
from .forms import EditExpenseForm, ExpenseForm
from .import_routes import import_csv
from .queries import (
    DETAIL_OPTIONS,
    RECEIPT_OPTIONS,
    TRASH_PER_PAGE,
    changeable_expense,
    trash_page,
)
from .receipts import download_headers, replace_receipt, store_receipt
from .services import (
    create_expense,
    last_used_category_id,
    restore_expense,
    trash_expense,
    update_expense,
)

bp = Blueprint("expenses", __name__, url_prefix="/expenses")
bp.add_url_rule("/import", view_func=import_csv, methods=["GET", "POST"])


def _form_context(ledger_id: uuid.UUID) -> dict[str, Any]:
    return {
        "ledger_id": ledger_id,
        "receipt_max_bytes": current_app.config["RECEIPT_MAX_BYTES"],
    }


def _saved(scope: Scope, expense: Expense):
    flash("Expense saved.", "success")
    for message in budget_alerts(scope, expense.date, expense.category_id):
        flash(message, "warning")
    return redirect(url_for("expenses.detail", expense_id=expense.id))


@bp.get("/")
@login_required
@cached_page
def index():
    filters = ExpenseFilters.from_args(request.args)
    scope = current_scope()
    result = expense_page(scope, filters)
    return render_template(
        "expenses/index.html",
        result=result,
        filters=filters,
        filter_form=ExpenseFilterForm(
            formdata=request.args, categories=category_choices(scope.ledger_id)
        ),
        page_url=lambda n: url_for("expenses.index", **filters.to_args(page=n)),
        shared=current_user.ledger_members > 1,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    scope = writable_scope()
    last_used = last_used_category_id(scope.ledger_id)
    form = ExpenseForm(**_form_context(scope.ledger_id), category_id=last_used)
    if form.validate_on_submit():
        expense = create_expense(scope, form.values())
        if form.receipt_upload is not None:
            store_receipt(expense, form.receipt_upload)
        db.session.commit()
        return _saved(scope, expense)
    return render_template("expenses/form.html", form=form, expense=None), (
        422 if form.errors else 200
    )


@bp.route("/<uuid:expense_id>/edit", methods=["GET", "POST"])
@login_required
def edit(expense_id: uuid.UUID):
    expense, scope = changeable_expense(expense_id, *DETAIL_OPTIONS)
    form = EditExpenseForm(
        data=EditExpenseForm.initial_data(expense),
        receipt=expense.receipt,
        **_form_context(expense.ledger_id),
    )
    if form.validate_on_submit():
        if _save_edit(expense, form):
            return _saved(scope, expense)
        return _conflict(expense_id, form)
    return render_template("expenses/form.html", form=form, expense=expense), (
        422 if form.errors else 200
    )


def _save_edit(expense: Expense, form: EditExpenseForm) -> bool:
    """Save the edit; False when someone else saved the expense in the meantime."""
    try:
        update_expense(expense, form.values(), form.version.expected)
        replace_receipt(expense, form.receipt_upload, form.wants_receipt_removed)
        db.session.commit()
    except EditConflict:
        db.session.rollback()
        return False
    return True


def _conflict(expense_id: uuid.UUID, form: EditExpenseForm):
    # Keep what the user typed, show what is saved now, and base the next
    # save on the current version: saving again is then a deliberate overwrite.
    current, _ = changeable_expense(expense_id, *DETAIL_OPTIONS)
    form.version.data = str(current.version)
    form.form_errors.append(
        "This expense was changed elsewhere (another tab or device) after you opened it, "
        "so nothing was saved. Its saved values are shown beside the form; "
        "save again to replace them with yours."
    )
    return render_template("expenses/form.html", form=form, expense=current, conflict=True), 409


@bp.get("/<uuid:expense_id>")
@login_required
@cached_page
def detail(expense_id: uuid.UUID):
    expense = get_owned_or_404(Expense, expense_id, *DETAIL_OPTIONS)
    shown = shown_to(expense, current_user.id)
    can_change = not shown.masked and scope_in(expense.ledger_id).can_write
    return render_template("expenses/detail.html", expense=shown, can_change=can_change)


@bp.post("/<uuid:expense_id>/delete")
@login_required
def delete(expense_id: uuid.UUID):
    expense, _ = changeable_expense(expense_id)
    trash_expense(expense)
    db.session.commit()
    flash(f"“{expense.description}” moved to the trash. You can restore it from there.", "info")
    return redirect(url_for("expenses.index"))


@bp.get("/trash")
@login_required
@cached_page
def trash():
    page = parse_page(request.args)
    scope = current_scope()
    expenses, count = trash_page(scope, page)
    pages = max(1, -(-count // TRASH_PER_PAGE))
    return render_template(
        "expenses/trash.html",
        expenses=expenses,
        count=count,
        page=page,
        pages=pages,
        retention_days=current_app.config["TRASH_RETENTION_DAYS"],
        page_url=lambda n: url_for("expenses.trash", page=n),
    )


@bp.post("/<uuid:expense_id>/restore")
@login_required
def restore(expense_id: uuid.UUID):
    expense, _ = changeable_expense(expense_id, deleted=True)
    restore_expense(expense)
    db.session.commit()
    flash(f"“{expense.description}” restored.", "success")
    return redirect(url_for("expenses.trash"))


@bp.get("/<uuid:expense_id>/receipt")
@login_required
def receipt(expense_id: uuid.UUID):
    expense = get_owned_or_404(Expense, expense_id, *RECEIPT_OPTIONS)
    if expense.receipt is None or is_masked(expense.private, expense.user_id, current_user.id):
        abort(404)
    return Response(
        expense.receipt.data,
        content_type=expense.receipt.content_type,
        headers=download_headers(expense.receipt),
    )


@bp.get("/export.csv")
@login_required
def export_csv():
    filters = ExpenseFilters.from_args(request.args)
    disposition = f'attachment; filename="{export_filename(utcnow().date())}"'
    return Response(
        stream_with_context(csv_chunks(current_scope(), filters)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )
