"""The categories pages: list with counts, create, edit, delete (moving expenses first)."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Category
from ..page_cache import cached_page
from ..scoping import current_scope, get_owned_or_404, require_role, writable_scope
from ..versioning import EditConflict
from .forms import CategoryForm, DeleteCategoryForm, EditCategoryForm
from .services import (
    CategoryInUseError,
    CategorySummary,
    DeleteOutcome,
    category_choices,
    create_category,
    delete_category,
    list_categories_with_counts,
    update_category,
)

bp = Blueprint("categories", __name__, url_prefix="/categories")

NAME_TAKEN = "You already have a category with this name."
CONFLICT = (
    "Someone changed this category after you opened it, so nothing was saved. "
    "The form still shows your changes: check them and save again to overwrite."
)


@bp.get("/")
@login_required
@cached_page
def index():
    return _render_index()


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    ledger_id = writable_scope().ledger_id
    form = CategoryForm(ledger_id=ledger_id)
    if form.validate_on_submit():
        try:
            category = create_category(ledger_id, form.values())
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.name.errors.append(NAME_TAKEN)
        else:
            flash(f"Category “{category.name}” created.", "success")
            return redirect(url_for("categories.index"))
    return render_template("categories/form.html", form=form, category=None), (
        422 if form.errors else 200
    )


@bp.route("/<uuid:category_id>/edit", methods=["GET", "POST"])
@login_required
def edit(category_id: uuid.UUID):
    category = get_owned_or_404(Category, category_id)
    require_role(category)
    form = EditCategoryForm(obj=category, ledger_id=category.ledger_id, category_id=category.id)
    conflict = False
    if form.validate_on_submit():
        try:
            update_category(category, form.values(), form.version.expected)
            db.session.commit()
        except EditConflict:
            db.session.rollback()
            conflict = True
            form.form_errors.append(CONFLICT)
            # Offer the current version, so saving again knowingly overwrites it.
            form.version.data = str(category.version)
        except IntegrityError:
            db.session.rollback()
            form.name.errors.append(NAME_TAKEN)
        else:
            flash(f"Category “{category.name}” saved.", "success")
            return redirect(url_for("categories.index"))
    status = 409 if conflict else 422 if form.errors else 200
    return render_template("categories/form.html", form=form, category=category), status


@bp.post("/<uuid:category_id>/delete")
@login_required
def delete(category_id: uuid.UUID):
    category = get_owned_or_404(Category, category_id)
    require_role(category)
    choices = category_choices(category.ledger_id, exclude=category.id)
    form = DeleteCategoryForm(choices=choices)
    if form.validate_on_submit():
        try:
            outcome = delete_category(category, move_to=form.move_to.data)
            db.session.commit()
        except CategoryInUseError as exc:
            db.session.rollback()
            form.move_to.errors.append(_in_use_message(exc.expense_count, exc.rule_count))
        except LookupError:
            db.session.rollback()
            form.move_to.errors.append("Choose another of your categories.")
        else:
            flash(_deleted_message(outcome), "success")
            return redirect(url_for("categories.index"))
    return _render_index(failed=(category_id, form), status=422)


def _render_index(failed: tuple[uuid.UUID, DeleteCategoryForm] | None = None, status: int = 200):
    summaries = list_categories_with_counts(current_scope().ledger_id)
    delete_forms = {s.category.id: _delete_form(s, summaries) for s in summaries}
    if failed is not None and failed[0] in delete_forms:
        delete_forms[failed[0]] = _with_row_ids(failed[0], failed[1])
    return render_template(
        "categories/index.html", summaries=summaries, delete_forms=delete_forms
    ), status


def _delete_form(summary: CategorySummary, summaries: list[CategorySummary]) -> DeleteCategoryForm:
    # formdata=None: on a failed POST only the submitted row shows the user's input.
    choices = [
        (s.category.id, s.category.name) for s in summaries if s.category.id != summary.category.id
    ]
    return _with_row_ids(summary.category.id, DeleteCategoryForm(formdata=None, choices=choices))


def _with_row_ids(category_id: uuid.UUID, form: DeleteCategoryForm) -> DeleteCategoryForm:
    # Every row has a `move_to` select; ids must differ so each label points at its own.
    form.move_to.id = form.move_to.label.field_id = f"move_to-{category_id}"
    return form


def _in_use_message(count: int, rules: int = 0) -> str:
    if rules:  # issue 14
        return (
            f"{_count(count, 'expense', 'expenses')} and "
            f"{_count(rules, 'recurring expense', 'recurring expenses')} use this category. "
            "Choose a category to move them to, then delete."
        )
    return (
        f"{_count(count, 'expense uses', 'expenses use')} this category (the trash included). "
        "Choose a category to move them to, then delete."
    )


def _deleted_message(outcome: DeleteOutcome) -> str:
    parts = [f"Category “{outcome.name}” deleted."]
    if outcome.moved:
        parts.append(f"{_count(outcome.moved, 'expense', 'expenses')} moved.")
    if outcome.budgets_removed:
        parts.append(
            f"{_count(outcome.budgets_removed, 'budget', 'budgets')} on it removed with it."
        )
    return " ".join(parts)


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"
