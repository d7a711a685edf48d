"""Reports: grouped totals for a date range, as a page model and as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from ..charts import Chart, ChartItem, bar_chart, column_chart
from ..expenses.csv_format import escape_cell
from ..models import payment_method_label
from ..money import format_plain
from ..reads import GroupTotal, Span, group_totals, span_totals, untagged_total
from ..scoping import Scope

GROUP_NAMES = {
    "category": "Category",
    "month": "Month",
    "tag": "Tag",
    "payment_method": "Payment method",
}


@dataclass(frozen=True)
class ReportQuery:
    """What a report covers: inclusive dates and one of GROUPS."""

    start: dt.date
    end: dt.date
    group: str

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


CSV_HEADER = ("group", "total", "count")
CHART_LIMIT = 15
MONTH_COLUMNS_LIMIT = 12


@dataclass(frozen=True)
class Report:
    query: ReportQuery
    rows: list[GroupTotal]
    total: Decimal
    count: int
    # Tag reports only: spending on expenses with no tag, which no row includes.
    untagged: tuple[Decimal, int] | None = None

    @property
    def group_name(self) -> str:
        return GROUP_NAMES[self.query.group]

    def label(self, row: GroupTotal) -> str:
        return group_label(self.query.group, row.key)


def group_label(group: str, key: str) -> str:
    """How a page shows a group key: `2026-03` -> `Mar 2026`, `credit_card` -> `Credit card`."""
    if group == "month":
        year, month = key.split("-")
        return dt.date(int(year), int(month), 1).strftime("%b %Y")
    if group == "payment_method":
        return payment_method_label(key)
    return key


def build_report(scope: Scope, query: ReportQuery) -> Report:
    """The report for `query` (two or three SELECTs, whatever the number of expenses)."""
    rows = group_totals(scope, query.span, query.group)
    ((count, total),) = span_totals(scope, [query.span])
    untagged = None
    if query.group == "tag":
        count_untagged, total_untagged = untagged_total(scope, query.span)
        untagged = (total_untagged, count_untagged)
    return Report(query, rows, total, count, untagged)


def report_chart(report: Report) -> Chart:
    """Months as columns in calendar order; other groups as the largest bars."""
    title = f"Spending by {report.group_name.lower()}, {report.query.start} to {report.query.end}"
    if report.query.group == "month" and len(report.rows) <= MONTH_COLUMNS_LIMIT:
        same_year = report.query.start.year == report.query.end.year
        items = [
            ChartItem(report.label(row), row.total, axis_label=_month_axis(row.key, same_year))
            for row in report.rows
        ]
        return column_chart(title, items)
    items = [ChartItem(report.label(row), row.total, row.color) for row in report.rows]
    return bar_chart(title, items[:CHART_LIMIT])


def _month_axis(key: str, same_year: bool) -> str:
    year, month = key.split("-")
    name = dt.date(int(year), int(month), 1).strftime("%b")
    return name if same_year else f"{name} {year[2:]}"


def report_csv(report: Report) -> str:
    """`group,total,count`, one line per row; text escaped against spreadsheet formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in report.rows:
        writer.writerow([escape_cell(row.key), format_plain(row.total), row.count])
    return buffer.getvalue()


def csv_filename(query: ReportQuery) -> str:
    return f"report-{query.group}-{query.start.isoformat()}-{query.end.isoformat()}.csv"
