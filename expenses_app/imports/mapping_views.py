"""`/imports/<id>/mapping`: which column is what (CSV), or only the date order (QIF).

Registered on the imports blueprint by routes.py. Changing the encoding, the
delimiter or the preamble changes the columns, so the form then comes back
with the file read again and nothing saved ("Update preview", or a submit
whose columns no longer match).
"""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from flask_login import login_required

from ..extensions import db
from ..models import ImportBatch
from ..scoping import get_owned_or_404, require_role
from .csv_mapping import CsvSettings
from .csv_reader import DELIMITERS, MAX_SKIP_LINES
from .decoding import ENCODINGS, decode_text
from .flow import (
    CsvView,
    apply_csv_mapping,
    apply_qif_format,
    csv_view,
    date_readings,
    detected_settings,
    qif_readings,
    suggested,
)
from .forms import QifMappingForm, mapping_form
from .profiles import profile_of

COLUMNS_CHANGED = "The columns changed with the new settings: check each column's role."


@login_required
def mapping_page(import_id: uuid.UUID):
    batch = get_owned_or_404(ImportBatch, import_id)
    scope = require_role(batch)
    if batch.status != "draft" or batch.kind == "ofx":
        return redirect(url_for("imports.detail", import_id=batch.id))
    if batch.kind == "qif":
        return _qif_mapping(scope, batch)
    settings = _posted_layout(batch) if request.method == "POST" else _saved_settings(batch)
    view = csv_view(batch.data, settings)
    if request.method == "POST" and not _is_preview(view):
        form = mapping_form(view.columns, None, view.header)
        if form.validate_on_submit():
            return _apply(scope, batch, form, view)
        return _render(batch, form, view, 422)
    form = mapping_form(view.columns, _refreshed(settings, batch, view), view.header, formdata=None)
    if request.method == "POST" and "preview" not in request.form:
        form.form_errors.append(COLUMNS_CHANGED)
    return _render(
        batch, form, view, 200 if "preview" in request.form or request.method == "GET" else 422
    )


def _apply(scope, batch: ImportBatch, form, view: CsvView):
    """Save the mapping and go to the review, or show what is wrong (nothing changed)."""
    name = form.profile_name.data.strip() if form.save_profile.data else None
    problems = apply_csv_mapping(scope, batch, form.settings(), name)
    if not problems:
        db.session.commit()
        return redirect(url_for("imports.detail", import_id=batch.id))
    db.session.rollback()
    for field, messages in problems.by_field.items():
        target = form.form_errors if field == "form" else form[field].errors
        target.extend(messages)
    return _render(batch, form, view, 422)


def _render(batch: ImportBatch, form, view: CsvView, status: int):
    readings = date_readings(view, form.settings()) if view.columns else []
    return render_template(
        "imports/mapping.html", batch=batch, form=form, view=view, readings=readings
    ), status


def _is_preview(view: CsvView) -> bool:
    """An "Update preview" press, or a submit whose role fields do not fit the columns."""
    if "preview" in request.form:
        return True
    posted = {key for key in request.form if key.startswith("role_")}
    return posted != {f"role_{n}" for n in range(view.columns)}


def _posted_layout(batch: ImportBatch) -> CsvSettings:
    """The encoding, delimiter, preamble and header flag as posted (detected ones for junk)."""
    base = _saved_settings(batch)
    form = request.form
    skip = form.get("skip_lines", "")
    return base.with_(
        encoding=form.get("encoding") if form.get("encoding") in ENCODINGS else base.encoding,
        delimiter=form.get("delimiter") if form.get("delimiter") in DELIMITERS else base.delimiter,
        skip_lines=int(skip) if skip.isdigit() and int(skip) <= MAX_SKIP_LINES else base.skip_lines,
        has_header=bool(form.get("has_header")),
    )


def _saved_settings(batch: ImportBatch) -> CsvSettings:
    """The batch's mapping, else its profile's, else what the app detects."""
    if batch.settings:
        return CsvSettings.from_json(batch.settings)
    profile = profile_of(batch)
    if profile is not None:
        return CsvSettings.from_json(profile.settings)
    return detected_settings(batch.data)


def _refreshed(settings: CsvSettings, batch: ImportBatch, view: CsvView) -> CsvSettings:
    """`settings` with roles guessed again when they do not fit the columns read."""
    if len(settings.roles) == view.columns or view.problem:
        return settings
    return suggested(settings, decode_text(batch.data, settings.encoding))


def _qif_mapping(scope, batch: ImportBatch):
    form = QifMappingForm()
    if form.validate_on_submit():
        apply_qif_format(scope, batch, form.date_format.data)
        db.session.commit()
        return redirect(url_for("imports.detail", import_id=batch.id))
    return render_template(
        "imports/mapping_qif.html", batch=batch, form=form, readings=qif_readings(batch)
    ), 422 if form.errors else 200
