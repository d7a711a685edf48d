"""The expense list's filter form, rendered once per distinct query string and categories.

Building the form and rendering it through the form macros was about a
quarter of the list's CPU time on every request, while its HTML depends only
on the query string (the filter values it shows), the user's categories (its
choices) and the list's URL. So the HTML of the last few hundred combinations
is kept (see `form_base.query_values`). A user's category ids are theirs
alone, and everything else in the key comes from the request itself, so no
one is shown a form built for someone else's data; renaming, adding or
removing a category changes the key.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from flask import render_template, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, SelectChoice, SelectField, StringField

from ..form_base import AppForm, QueryValues, query_formdata, query_values
from .forms import PAYMENT_METHOD_LABELS

RENDERED_FORMS_KEPT = 256
# The only list parameter the form has no field for: paging keeps the same form.
NOT_IN_FORM = frozenset({"page"})

CategoryChoices = tuple[tuple[uuid.UUID, str], ...]


class ExpenseFilterForm(AppForm):
    """The list's GET filter form; the values are validated by `ExpenseFilters`."""

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


def filter_form_html(
    args: MultiDict[str, str], categories: Sequence[tuple[uuid.UUID, str]]
) -> Markup:
    """The filter form showing `args`, with `categories` ((id, name) by name) as choices."""
    return _render(query_values(args, NOT_IN_FORM), tuple(categories), url_for("expenses.index"))


@lru_cache(maxsize=RENDERED_FORMS_KEPT)
def _render(values: QueryValues, categories: CategoryChoices, action: str) -> Markup:
    form = ExpenseFilterForm(formdata=query_formdata(values), categories=categories)
    return Markup(render_template("expenses/_filter_form.html", form=form, action=action))
