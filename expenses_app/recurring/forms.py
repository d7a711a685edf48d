"""The rule form (the contract's fields) and the date of a skip or a post."""

from __future__ import annotations

import uuid
from typing import Any

from wtforms import DateField, IntegerField, SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from .. import clock
from ..categories.services import category_choices
from ..expenses.forms import ExpenseForm
from ..expenses.services import split_tags
from ..form_base import AppForm, VersionField
from ..models import MAX_INTERVAL, RecurringRule
from ..months import add_months
from .services import RuleValues

MAX_YEARS_BACK = 10
FREQUENCY_LABELS = {"daily": "Days", "weekly": "Weeks", "monthly": "Months", "yearly": "Years"}
MODE_LABELS = {
    "auto": "Post by itself on each date",
    "confirm": "Wait for me to post or skip each date",
}


class RuleForm(AppForm):
    # The expense template: the expense form's own fields and checks.
    amount = ExpenseForm.amount
    category_id = ExpenseForm.category_id
    description = ExpenseForm.description
    payment_method = ExpenseForm.payment_method
    tags = ExpenseForm.tags
    notes = ExpenseForm.notes
    private = ExpenseForm.private
    validate_tags = ExpenseForm.validate_tags
    frequency = SelectField(
        "Repeats every",
        choices=[SelectChoice(value, label) for value, label in FREQUENCY_LABELS.items()],
        default="monthly",
    )
    interval = IntegerField(
        "How many of them",
        default=1,
        validators=[
            InputRequired("Enter a whole number from 1 to 99."),
            NumberRange(1, MAX_INTERVAL, "Enter a whole number from 1 to 99."),
        ],
        description="1: every month (or day, week, year); 2: every other one; and so on.",
    )
    start_date = DateField(
        "First date", validators=[InputRequired("Enter a date.")], default=clock.today
    )
    end_date = DateField(
        "Last date (optional)",
        validators=[Optional()],
        description="An occurrence on this date is still posted.",
    )
    mode = SelectField(
        "Posting",
        choices=[SelectChoice(value, label) for value, label in MODE_LABELS.items()],
        default="auto",
    )

    def __init__(self, *args: Any, ledger_id: uuid.UUID, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [
            SelectChoice(category_id, name) for category_id, name in category_choices(ledger_id)
        ]

    def validate_start_date(self, field: DateField) -> None:
        # Catching up posts every date since the start: ten years back is plenty.
        earliest = add_months(clock.today(), -12 * MAX_YEARS_BACK)
        if field.data is not None and field.data < earliest:
            raise ValidationError(f"The first date can be at most {MAX_YEARS_BACK} years ago.")

    def validate_end_date(self, field: DateField) -> None:
        start = self.start_date.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError("The last date cannot be before the first date.")

    def values(self) -> RuleValues:
        """The cleaned values, ready for the rule services."""
        return RuleValues(
            amount=self.amount.data,
            category_id=self.category_id.data,
            description=self.description.data,
            payment_method=self.payment_method.data,
            tags=tuple(split_tags(self.tags.data)),
            notes=self.notes.data or None,
            private=bool(self.private.data),
            frequency=self.frequency.data,
            interval=self.interval.data,
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            mode=self.mode.data,
        )


class EditRuleForm(RuleForm):
    version = VersionField()

    @classmethod
    def initial_data(cls, rule: RecurringRule) -> dict[str, Any]:
        return {
            name: getattr(rule, name)
            for name in (
                "amount", "category_id", "description", "payment_method", "notes", "private",
                "frequency", "interval", "start_date", "end_date", "mode",
            )
        } | {"tags": rule.tags, "version": str(rule.version)}  # fmt: skip


class OccurrenceForm(AppForm):
    """Skip or post: the date of the occurrence."""

    date = DateField("Date", validators=[InputRequired("Give the occurrence's date.")])
