"""The report's query string as a form: `start`, `end`, `group` (contract)."""

from __future__ import annotations

import datetime as dt

from wtforms import DateField, SelectField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..form_base import AppForm
from ..reads import GROUPS
from .services import GROUP_NAMES, ReportQuery


class ReportForm(AppForm):
    """Read from the query string; an empty value means the default (the current year)."""

    class Meta:
        # A GET form that changes nothing: no CSRF token in report URLs.
        csrf = False

    start = DateField("From", validators=[Optional()], render_kw={"placeholder": "YYYY-MM-DD"})
    end = DateField("To", validators=[Optional()], render_kw={"placeholder": "YYYY-MM-DD"})
    group = SelectField(
        "Group by",
        choices=[SelectChoice(name, GROUP_NAMES[name]) for name in GROUPS],
        validators=[Optional()],
        default="category",
    )

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The end date cannot be before the start date.")

    def resolve(self, today: dt.date) -> ReportQuery:
        """The validated query; a missing date defaults to the current year's bounds.

        The defaults are written back into the form, so the page shows the
        range it reports on.
        """
        start, end = self.start.data, self.end.data
        if start is None:
            start = dt.date(today.year, 1, 1)
            if end is not None and end < start:
                start = dt.date(end.year, 1, 1)
        if end is None:
            end = dt.date(today.year, 12, 31)
            if end < start:
                end = dt.date(start.year, 12, 31)
        self.start.data, self.end.data = start, end
        # `Optional` lets a blank value through without the choice check, and for
        # WTForms "blank" includes whitespace such as a lone CR: that is the default.
        self.group.data = (self.group.data or "").strip() or "category"
        return ReportQuery(start, end, self.group.data)

    def error_text(self) -> str:
        """All errors on one line, for the 400 answer to a bad CSV query."""
        return " ".join(
            f"{getattr(self, name).label.text}: {' '.join(errors)}"
            for name, errors in self.errors.items()
        )
