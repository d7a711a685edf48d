"""`/expenses/import`: upload a CSV in the export's format, all or nothing.

The view is registered on the expenses blueprint by routes.py; it lives in its
own module so the list pages and the CSV import can grow (and be reviewed)
separately.
"""

from __future__ import annotations

import logging

from flask import current_app, render_template
from flask_login import login_required
from flask_wtf.file import FileField, FileRequired

from ..extensions import db
from ..form_base import AppForm
from ..scoping import writable_scope
from .csv_import import CsvImportError, decode_csv, parse_csv
from .csv_import_store import import_expenses

log = logging.getLogger(__name__)
# A file with thousands of bad lines still gives a readable page.
MAX_PROBLEMS_SHOWN = 1000


class ImportForm(AppForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file to import.")],
        description="A UTF-8 CSV file in the export's format (see below).",
        render_kw={"accept": ".csv,text/csv"},
    )


@login_required
def import_csv():
    scope = writable_scope()
    form = ImportForm()
    if form.validate_on_submit():
        limit = current_app.config["IMPORT_MAX_BYTES"]
        try:
            rows = parse_csv(decode_csv(form.file.data.stream.read(limit + 1), max_bytes=limit))
            summary = import_expenses(scope, rows)
            db.session.commit()
        except CsvImportError as exc:
            db.session.rollback()
            return _render_form(form, exc.problems)
        log.info(
            "csv import: user %s into ledger %s imported %d, skipped %d",
            scope.user_id,
            scope.ledger_id,
            summary.imported,
            summary.skipped,
        )
        # The summary is the answer itself: posting the same file again is
        # harmless (its rows are all duplicates), so no redirect is needed.
        return render_template("expenses/import_done.html", summary=summary)
    return _render_form(form, [])


def _render_form(form: ImportForm, problems: list[str]):
    status = 422 if form.errors or problems else 200
    return render_template(
        "expenses/import.html",
        form=form,
        problems=problems[:MAX_PROBLEMS_SHOWN],
        hidden_problems=max(0, len(problems) - MAX_PROBLEMS_SHOWN),
    ), status
