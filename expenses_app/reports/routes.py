"""The reports page and its CSV download."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import login_required

from .. import clock
from ..page_cache import cached_page
from ..scoping import current_scope
from .forms import ReportForm
from .services import CHART_LIMIT, build_report, csv_filename, report_chart, report_csv

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("")
@login_required
@cached_page
def index():
    form = ReportForm(formdata=request.args)
    if not form.validate():
        # Contract: bad values answer 400; the page says which and keeps the form.
        return render_template("reports/index.html", form=form, report=None), 400
    today = clock.today()
    report = build_report(current_scope(), form.resolve(today))
    return render_template(
        "reports/index.html",
        form=form,
        report=report,
        chart=report_chart(report),
        chart_limit=CHART_LIMIT,
    )


@bp.get("/export.csv")
@login_required
def export_csv():
    form = ReportForm(formdata=request.args)
    if not form.validate():
        abort(400, description=form.error_text())
    report = build_report(current_scope(), form.resolve(clock.today()))
    return Response(
        report_csv(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{csv_filename(report.query)}"'},
    )
