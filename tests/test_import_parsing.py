"""The CSV parser on its own: what the export writes, the import reads back exactly."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from expenses_app.expenses.csv_format import HEADER, TAG_SEPARATOR, escape_cell
from expenses_app.expenses.csv_import import parse_csv
from expenses_app.form_base import has_control_characters
from expenses_app.models import PAYMENT_METHODS

# What a form accepts too: no control characters but tab and line breaks.
texts = st.text(
    st.characters(exclude_categories=("Cs",)).filter(lambda c: not has_control_characters(c))
)
descriptions = texts.filter(lambda s: s.strip() and len(s) <= 200)
categories = (
    st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=50)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
tag_names = (
    st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters=";"), max_size=40)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
amounts = st.decimals(
    min_value=Decimal("0.01"),
    max_value=Decimal("9999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@settings(max_examples=150, deadline=None)
@given(
    amount=amounts,
    category=categories,
    description=descriptions,
    method=st.sampled_from(PAYMENT_METHODS),
    tags=st.lists(tag_names, max_size=5, unique_by=str.casefold),
    notes=texts.filter(lambda s: len(s) <= 5000),
)
def test_escaped_row_reads_back_exactly(amount, category, description, method, tags, notes):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerow(
        [
            "2024-02-29",
            f"{amount:.2f}",
            escape_cell(category),
            escape_cell(description),
            method,
            escape_cell(TAG_SEPARATOR.join(tags)),
            escape_cell(notes),
        ]
    )
    (row,) = parse_csv(out.getvalue())
    assert row.amount == amount
    assert row.category == category
    assert row.description == description
    assert row.payment_method == method
    assert list(row.tags) == tags
    assert row.notes == (notes or None)
