"""Expense forms: the create/edit form (the list's filter form is in filter_form.py)."""

from __future__ import annotations

import uuid
from typing import Any

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from .. import clock
from ..categories.services import category_choices
from ..form_base import AppForm, VersionField
from ..form_choices import as_uuid
from ..models import (
    DESCRIPTION_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    PAYMENT_METHOD_LABELS,
    TAG_MAX_LENGTH,
    TAGS_PER_EXPENSE,
    Expense,
    Receipt,
)
from ..money import AmountField, amount_required
from .receipts import ReceiptRejected, ReceiptUpload, read_upload
from .services import ExpenseValues, split_tags


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class ExpenseForm(AppForm):
    amount = AmountField("Amount", validators=[amount_required], render_kw={"autofocus": True})
    date = DateField("Date", validators=[InputRequired("Enter a date.")], default=clock.today)
    category_id = SelectField("Category", coerce=as_uuid, validators=[InputRequired()])
    description = StringField(
        "Description",
        filters=[_strip],
        validators=[
            DataRequired("Describe the expense."),
            Length(max=DESCRIPTION_MAX_LENGTH),
        ],
    )
    payment_method = SelectField(
        "Payment method",
        choices=[SelectChoice(value, label) for value, label in PAYMENT_METHOD_LABELS.items()],
        default="cash",
    )
    tags = StringField(
        "Tags",
        filters=[_strip],
        validators=[Optional(), Length(max=1000)],
        description="Separate tags with commas, e.g. work, travel",
    )
    notes = TextAreaField(
        "Notes",
        filters=[_strip],
        validators=[Optional(), Length(max=NOTES_MAX_LENGTH)],
    )
    private = BooleanField(
        "Private",
        description="It still counts in the ledger's totals, but other members see only its "
        "date, amount and category.",
    )
    receipt = FileField(
        "Receipt (optional)",
        description="A photo or scan: JPEG, PNG, WebP or PDF, at most 5 MB.",
        render_kw={"accept": "image/jpeg,image/png,image/webp,application/pdf"},
    )

    def __init__(self, *args: Any, ledger_id: uuid.UUID, receipt_max_bytes: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.receipt_max_bytes = receipt_max_bytes
        self.receipt_upload: ReceiptUpload | None = None
        # Only the ledger's own categories are choices, so a forged id is a form error.
        self.category_id.choices = [
            SelectChoice(category_id, name) for category_id, name in category_choices(ledger_id)
        ]

    def validate_tags(self, field: StringField) -> None:
        names = split_tags(field.data)
        if len(names) > TAGS_PER_EXPENSE:
            raise ValidationError(f"Use at most {TAGS_PER_EXPENSE} tags.")
        too_long = [name for name in names if len(name) > TAG_MAX_LENGTH]
        if too_long:
            raise ValidationError(f"Each tag can be at most {TAG_MAX_LENGTH} characters.")

    def validate_receipt(self, field: FileField) -> None:
        """Read and check an uploaded file now, so a bad one is an error under the field."""
        upload = field.data
        if not upload or not hasattr(upload, "stream"):
            return
        try:
            self.receipt_upload = read_upload(
                upload.stream, upload.filename, self.receipt_max_bytes
            )
        except ReceiptRejected as exc:
            raise ValidationError(str(exc)) from None

    def values(self) -> ExpenseValues:
        """The cleaned values, ready for the expense services."""
        return ExpenseValues(
            amount=self.amount.data,
            date=self.date.data,
            category_id=self.category_id.data,
            description=self.description.data,
            payment_method=self.payment_method.data,
            tags=tuple(split_tags(self.tags.data)),
            notes=self.notes.data or None,
            private=bool(self.private.data),
        )


class EditExpenseForm(ExpenseForm):
    version = VersionField()
    remove_receipt = BooleanField("Remove the current receipt")

    def __init__(self, *args: Any, receipt: Receipt | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if receipt is None:
            del self.remove_receipt
        else:
            self.receipt.description = (
                f"Current receipt: {receipt.filename}. A new file replaces it. "
                "JPEG, PNG, WebP or PDF, at most 5 MB."
            )

    @property
    def wants_receipt_removed(self) -> bool:
        return bool(self.remove_receipt and self.remove_receipt.data)

    @classmethod
    def initial_data(cls, expense: Expense) -> dict[str, Any]:
        """Field values for editing `expense` (loaded with its tags)."""
        return {
            "amount": expense.amount,
            "date": expense.date,
            "category_id": expense.category_id,
            "description": expense.description,
            "payment_method": expense.payment_method,
            "tags": ", ".join(tag.name for tag in expense.tags),
            "notes": expense.notes,
            "private": expense.private,
            "version": str(expense.version),
        }
