"""The budget form: field names exactly the contract's."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from wtforms import DateField, SelectField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from .. import clock
from ..extensions import db
from ..form_base import AppForm, VersionField
from ..form_choices import as_uuid
from ..models import PERIODS, Category
from ..money import AmountField, amount_required
from ..months import first_day
from ..scoping import owned
from .periods import PERIOD_NAMES
from .services import BudgetValues


def first_of_month() -> dt.date:
    return first_day(clock.today())


class BudgetForm(AppForm):
    category_id = SelectField(
        "Category",
        coerce=as_uuid,
        description="Leave on “All spending” for an overall budget.",
    )
    amount = AmountField("Amount", validators=[amount_required])
    period = SelectField(
        "Period",
        choices=[SelectChoice(name, PERIOD_NAMES[name]) for name in PERIODS],
        default="monthly",
        description="Weekly runs Monday to Sunday; monthly and yearly follow the calendar.",
    )
    start_date = DateField(
        "Start date",
        validators=[InputRequired("Enter a start date.")],
        default=first_of_month,
        render_kw={"placeholder": "YYYY-MM-DD"},
    )
    end_date = DateField(
        "End date",
        validators=[Optional()],
        description="Optional. The budget stops counting after this day.",
        render_kw={"placeholder": "YYYY-MM-DD"},
    )
    version = VersionField()

    def __init__(self, *args: Any, ledger_id: uuid.UUID, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = db.session.scalars(
            owned(Category, ledger_id=ledger_id).order_by(Category.name_key)
        )
        self.category_id.choices = [SelectChoice("", "All spending")] + [
            SelectChoice(str(c.id), f"{c.icon} {c.name}" if c.icon else c.name) for c in categories
        ]

    def validate_end_date(self, field: DateField) -> None:
        start = self.start_date.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError("The end date cannot be before the start date.")

    def values(self) -> BudgetValues:
        return BudgetValues(
            amount=self.amount.data,
            period=self.period.data,
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            category_id=self.category_id.data,
        )
