"""The import pages' forms: upload, mapping (one role field per column), commit."""

from __future__ import annotations

import uuid
from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from ..form_base import AppForm
from ..models import PAYMENT_METHOD_LABELS, PROFILE_NAME_MAX_LENGTH
from .csv_mapping import ROLES, SIGNS, CsvSettings
from .csv_reader import DELIMITERS, MAX_SKIP_LINES
from .dates import DATE_FORMATS
from .decoding import ENCODING_LABELS

DELIMITER_LABELS = {",": "Comma (,)", ";": "Semicolon (;)", "tab": "Tab", "|": "Pipe (|)"}
SIGN_LABELS = {
    "negative_is_expense": "Negative amounts are expenses",
    "positive_is_expense": "Positive amounts are expenses",
}
DATE_FORMAT_CHOICES = [SelectChoice("", "Choose a date format")] + [
    SelectChoice(name, name) for name in DATE_FORMATS
]


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def as_uuid(value: Any) -> uuid.UUID | None:
    """A select's value as a UUID (None for the blank choice); ValueError for junk."""
    if value in (None, "") or isinstance(value, uuid.UUID):
        return value or None
    return uuid.UUID(str(value))


class UploadForm(AppForm):
    file = FileField(
        "Statement file",
        validators=[FileRequired("Choose a statement file to import.")],
        description="CSV or TSV, OFX or QFX, or QIF, as your bank exports it; at most 5 MB.",
        render_kw={"accept": ".csv,.tsv,.txt,.ofx,.qfx,.qif,text/csv"},
    )


class QifMappingForm(AppForm):
    date_format = SelectField(
        "Date format",
        choices=DATE_FORMAT_CHOICES,
        validators=[InputRequired("Choose the date format.")],
    )


class MappingForm(AppForm):
    """The fixed fields; `mapping_form(columns)` adds `role_<n>` for each column."""

    encoding = SelectField("Encoding", choices=_choices(ENCODING_LABELS))
    delimiter = SelectField("Delimiter", choices=_choices(DELIMITER_LABELS))
    skip_lines = IntegerField(
        "Lines before the header",
        default=0,
        validators=[InputRequired(), NumberRange(0, MAX_SKIP_LINES)],
    )
    has_header = BooleanField("The first line read is a header", default=True)
    date_format = SelectField("Date format", choices=DATE_FORMAT_CHOICES)
    decimal_separator = SelectField(
        "Decimal separator", choices=_choices({".": "Point (1,234.56)", ",": "Comma (1.234,56)"})
    )
    sign = SelectField("Amounts", choices=_choices(SIGN_LABELS))
    save_profile = BooleanField("Save this mapping for the next file with this header")
    profile_name = StringField("Profile name", validators=[Length(max=PROFILE_NAME_MAX_LENGTH)])

    def role_fields(self) -> list[Any]:
        return [field for name, field in self._fields.items() if name.startswith("role_")]

    def settings(self) -> CsvSettings:
        """The submitted mapping as plain values."""
        return CsvSettings(
            encoding=self.encoding.data,
            delimiter=self.delimiter.data,
            skip_lines=self.skip_lines.data or 0,
            has_header=bool(self.has_header.data),
            roles=tuple(field.data for field in self.role_fields()),
            date_format=self.date_format.data or None,
            decimal_separator=self.decimal_separator.data,
            sign=self.sign.data,
        )

    def validate_profile_name(self, field: StringField) -> None:
        if self.save_profile.data and not (field.data or "").strip():
            raise ValidationError("Name the profile to save it.")
        if self.save_profile.data and not self.has_header.data:
            raise ValidationError("Only a file with a header line can have a profile.")


def mapping_form(columns: int, settings: CsvSettings | None, header: list[str], **kwargs):
    """A MappingForm with `role_0` ... `role_<columns-1>`, pre-filled from `settings`."""
    attrs = {
        f"role_{n}": SelectField(
            f"Column {n + 1}" + (f" ({header[n][:40]})" if n < len(header) else ""),
            choices=[SelectChoice(role, role) for role in ROLES],
        )
        for n in range(columns)
    }
    form_class = type("ColumnsMappingForm", (MappingForm,), attrs)
    data = {}
    if settings is not None:
        data = {
            "encoding": settings.encoding,
            "delimiter": settings.delimiter,
            "skip_lines": settings.skip_lines,
            "has_header": settings.has_header,
            "date_format": settings.date_format or "",
            "decimal_separator": settings.decimal_separator,
            "sign": settings.sign,
        }
        data |= {f"role_{n}": role for n, role in enumerate(settings.roles[:columns])}
    return form_class(data=data, **kwargs)


class CommitForm(AppForm):
    """The review's fixed fields; `include_<n>` and `category_<n>` are read by `commit_choices`."""

    default_category = SelectField("Default category", coerce=as_uuid, validate_choice=True)
    payment_method = SelectField(
        "Payment method", choices=_choices(PAYMENT_METHOD_LABELS), default="debit_card"
    )

    def __init__(self, *args: Any, categories: list[tuple[uuid.UUID, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.default_category.choices = [SelectChoice("", "No default")] + [
            SelectChoice(str(category_id), name) for category_id, name in categories
        ]


__all__ = ["DELIMITERS", "SIGNS", "CommitForm", "MappingForm", "QifMappingForm", "UploadForm"]
