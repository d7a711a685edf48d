"""The expense list's filter form: a GET form built from the query string on every request.

It has no CSRF token (it changes nothing) and shows what the query string
holds; the values themselves are parsed and validated by `ExpenseFilters`.
The list's template renders it with `render_form` (`_macros/forms.html`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from wtforms import HiddenField, SelectChoice, SelectField, StringField

from ..form_base import AppForm
from ..models import PAYMENT_METHOD_LABELS


class ExpenseFilterForm(AppForm):
    """The list's GET filter form; `categories` are the user's (id, name) pairs by name."""

    class Meta:
        csrf = False

    q = StringField("Search", render_kw={"type": "search", "placeholder": "Description or notes"})
    category = SelectField("Category")
    tag = StringField("Tag")
    payment_method = SelectField(
        "Payment method",
        choices=[SelectChoice("", "Any")]
        + [SelectChoice(value, label) for value, label in PAYMENT_METHOD_LABELS.items()],
    )
    start = StringField("From", render_kw={"type": "date"})
    end = StringField("To", render_kw={"type": "date"})
    min = StringField("Min amount", render_kw={"inputmode": "decimal"})
    max = StringField("Max amount", render_kw={"inputmode": "decimal"})
    # Column headers sort too, but a phone shows no table header: these do it there.
    sort = SelectField(
        "Sort by",
        choices=[
            SelectChoice("date", "Date"),
            SelectChoice("amount", "Amount"),
            SelectChoice("category", "Category"),
            SelectChoice("description", "Description"),
        ],
    )
    order = SelectField(
        "Order",
        choices=[
            SelectChoice("", "Usual"),
            SelectChoice("desc", "Descending"),
            SelectChoice("asc", "Ascending"),
        ],
    )
    per_page = HiddenField()

    def __init__(self, *args: Any, categories: Sequence[tuple[uuid.UUID, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", "All categories")] + [
            SelectChoice(str(category_id), name) for category_id, name in categories
        ]
