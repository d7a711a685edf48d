"""`/imports`: bank statements from upload through mapping and review to commit or undo."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..categories.services import category_choices
from ..extensions import db
from ..models import ImportBatch, ImportProfile
from ..scoping import current_scope, get_owned_or_404, require_role, writable_scope
from .commit import CommitError, ImportStateError, commit_import, discard_import, undo_import
from .flow import prepare
from .forms import CommitForm, UploadForm
from .mapping_views import mapping_page
from .profiles import delete_profile, ledger_profiles
from .queries import import_of, recent_imports, review
from .review_input import commit_choices
from .store import create_batch
from .uploads import UploadError, inspect_upload

bp = Blueprint("imports", __name__, url_prefix="/imports")
bp.add_url_rule("/<uuid:import_id>/mapping", view_func=mapping_page, methods=["GET", "POST"])


@bp.app_template_global()
def expense_import(expense):
    """The import that added `expense` (for its detail page), or None."""
    return import_of(expense.id, expense.ledger_id) if expense.ledger_id else None


@bp.get("/")
@login_required
def index():
    scope = current_scope()
    return render_template("imports/index.html", batches=recent_imports(scope), scope=scope)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    scope = writable_scope()
    form = UploadForm()
    if form.validate_on_submit():
        limit = current_app.config["IMPORT_MAX_BYTES"]
        try:
            upload = inspect_upload(form.file.data.stream.read(limit + 1), limit)
        except UploadError as exc:
            form.file.errors.append(str(exc))
        else:
            batch = create_batch(scope, form.file.data.filename, upload.kind, upload.data)
            prepare(scope, batch)
            db.session.commit()
            return redirect(url_for("imports.detail", import_id=batch.id))
    return render_template("imports/new.html", form=form), 422 if form.errors else 200


@bp.get("/<uuid:import_id>")
@login_required
def detail(import_id: uuid.UUID):
    batch = get_owned_or_404(ImportBatch, import_id)
    scope = require_role(batch, "viewer")
    if batch.status == "draft" and batch.settings is None:
        return redirect(url_for("imports.mapping_page", import_id=batch.id))
    form = CommitForm(categories=category_choices(batch.ledger_id))
    return _review_page(scope, batch, form, 200)


def _review_page(scope, batch: ImportBatch, form: CommitForm, status: int, problem=None):
    """The review of a draft, or the summary of a committed or undone import."""
    page = "imports/summary.html" if batch.status != "draft" else "imports/review.html"
    return render_template(
        page,
        batch=batch,
        review=review(scope, batch),
        form=form,
        categories=category_choices(batch.ledger_id),
        can_write=scope.can_write,
        problem=problem,
    ), status


@bp.post("/<uuid:import_id>/commit")
@login_required
def commit(import_id: uuid.UUID):
    batch = get_owned_or_404(ImportBatch, import_id)
    scope = require_role(batch)
    if batch.status != "draft":
        abort(409)
    form = CommitForm(categories=category_choices(batch.ledger_id))
    try:
        if not form.validate_on_submit():
            raise CommitError("Check the default category and the payment method.")
        added = commit_import(scope, batch, commit_choices(request.form, form))
        db.session.commit()
    except ImportStateError:
        db.session.rollback()
        abort(409)
    except CommitError as exc:
        db.session.rollback()
        return _review_page(scope, batch, form, 422, str(exc))
    flash(f"{added} expenses added from {batch.filename}.", "success")
    return redirect(url_for("imports.detail", import_id=batch.id))


@bp.post("/<uuid:import_id>/undo")
@login_required
def undo(import_id: uuid.UUID):
    batch = get_owned_or_404(ImportBatch, import_id)
    require_role(batch)
    try:
        moved = undo_import(batch, current_user.id)
    except ImportStateError:
        abort(409)
    db.session.commit()
    flash(f"Import undone: {moved} expenses moved to the trash.", "info")
    return redirect(url_for("imports.detail", import_id=batch.id))


@bp.post("/<uuid:import_id>/discard")
@login_required
def discard(import_id: uuid.UUID):
    batch = get_owned_or_404(ImportBatch, import_id)
    require_role(batch)
    try:
        discard_import(batch)
    except ImportStateError:
        abort(409)
    db.session.commit()
    flash(f"{batch.filename} discarded.", "info")
    return redirect(url_for("imports.index"))


@bp.get("/profiles")
@login_required
def profiles():
    scope = current_scope()
    return render_template("imports/profiles.html", profiles=ledger_profiles(scope), scope=scope)


@bp.post("/profiles/<uuid:profile_id>/delete")
@login_required
def delete_profile_view(profile_id: uuid.UUID):
    profile = get_owned_or_404(ImportProfile, profile_id)
    require_role(profile)
    delete_profile(profile)
    db.session.commit()
    flash(f"Profile “{profile.name}” deleted.", "info")
    return redirect(url_for("imports.profiles"))
