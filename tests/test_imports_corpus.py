"""Each statement of tests/statements/ through the pages, with exactly what it adds.

The files are shaped like what banks export: a German giro account (cp1252,
`;`, a preamble, `1.234,56`, a quoted field over two lines), a US card
(MM/DD/YYYY, purchases positive, a payment credit), a UK account (Debit and
Credit columns, a BOM), a French account (U+202F thousands), this app's own
export with ISO timestamps, an ambiguous DD/MM file, UTF-16 with tabs, broken
rows, OFX 1.x (SGML) and 2.x (XML), QIF bank and card.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from expenses_app.extensions import db
from expenses_app.models import Expense

from .factories import category_id
from .imports_client import (
    commit,
    import_id,
    line_statuses,
    mapping_values,
    review_page,
    submit_mapping,
    upload,
)

D = dt.date


def added(app, ledger_id) -> list[tuple]:
    """(date, amount, description, notes, category, tags, payment method) of the ledger."""
    with app.app_context():
        stmt = (
            select(Expense)
            .where(Expense.ledger_id == ledger_id)
            .options(selectinload(Expense.category), selectinload(Expense.tags))
            .order_by(Expense.date, Expense.description)
        )
        return [
            (
                e.date,
                e.amount,
                e.description,
                e.notes,
                e.category.name,
                tuple(t.name for t in e.tags),
                e.payment_method,
            )
            for e in db.session.scalars(stmt)
        ]


def run(app, client, user, name, statuses, mapping=None):
    """Upload `name`, map it (with `mapping` changes) when asked, check the review's
    statuses, commit the checked lines with Bills as the default; the batch id."""
    response = upload(client, name)
    batch = import_id(response)
    if client.get(f"/imports/{batch}").status_code == 302:
        mapped = submit_mapping(client, batch, **(mapping or {}))
        assert mapped.status_code == 302, mapped.get_data(as_text=True)[:4000]
    assert line_statuses(review_page(client, batch)) == statuses
    default = str(category_id(app, user.id, "Bills"))
    done = commit(client, batch, {"default_category": default})
    assert done.status_code == 302, done.get_data(as_text=True)[:4000]
    return batch


def test_german_giro_csv_in_cp1252_with_a_preamble(app, client, logged_in):
    batch = import_id(upload(client, "de_girokonto_cp1252.csv"))
    prefilled = mapping_values(client.get(f"/imports/{batch}/mapping").get_data(as_text=True))
    assert prefilled == {
        "encoding": "cp1252",
        "delimiter": ";",
        "skip_lines": "4",
        "has_header": "y",
        "role_0": "date",
        "role_1": "ignore",
        "role_2": "payee",
        "role_3": "description",
        "role_4": "amount",
        "date_format": "DD.MM.YYYY",
        "decimal_separator": ",",
        "sign": "negative_is_expense",
    }
    assert "Auftraggeber/Empfänger" in client.get(f"/imports/{batch}/mapping").get_data(
        as_text=True
    )
    client.post(f"/imports/{batch}/discard")
    run(
        app,
        client,
        logged_in,
        "de_girokonto_cp1252.csv",
        {6: "new", 8: "new", 9: "income", 10: "new"},
    )
    assert added(app, logged_in.id) == [
        (
            D(2026, 3, 2),
            Decimal("54.23"),
            "REWE Markt GmbH",
            "Einkauf Lebensmittel\nKarte 1234",
            "Bills",
            (),
            "debit_card",
        ),
        (
            D(2026, 3, 5),
            Decimal("1234.56"),
            "Stadtwerke München",
            "Strom März",
            "Bills",
            (),
            "debit_card",
        ),
        (D(2026, 3, 20), Decimal("4.80"), "Bäckerei Müller", "Brötchen", "Bills", (), "debit_card"),
    ]


def test_us_card_csv_with_a_payment_credit(app, client, logged_in):
    run(app, client, logged_in, "us_card.csv", {2: "new", 3: "new", 4: "income", 5: "new"})
    assert added(app, logged_in.id) == [
        (D(2026, 3, 14), Decimal("6.45"), "STARBUCKS STORE 1234", None, "Bills", (), "debit_card"),
        (
            D(2026, 3, 15),
            Decimal("1299.99"),
            "AMAZON MKTPLACE PMTS",
            None,
            "Shopping",
            (),
            "debit_card",
        ),
        (D(2026, 3, 28), Decimal("41.20"), "SHELL OIL 5744", None, "Bills", (), "debit_card"),
    ]


def test_uk_csv_with_debit_and_credit_columns_and_a_bom(app, client, logged_in):
    run(app, client, logged_in, "uk_debit_credit_bom.csv", {2: "new", 3: "income", 4: "new"})
    assert added(app, logged_in.id) == [
        (D(2026, 4, 1), Decimal("23.50"), "TESCO STORES 3297", None, "Bills", (), "debit_card"),
        (D(2026, 4, 13), Decimal("7.40"), "TFL TRAVEL CH", None, "Bills", (), "debit_card"),
    ]


def test_french_csv_with_narrow_no_break_spaces(app, client, logged_in):
    run(app, client, logged_in, "fr_releve.csv", {2: "new", 3: "new", 4: "income"})
    assert added(app, logged_in.id) == [
        (
            D(2026, 2, 3),
            Decimal("45.90"),
            "CARTE 02/02 MONOPRIX PARIS",
            None,
            "Bills",
            (),
            "debit_card",
        ),
        (D(2026, 2, 14), Decimal("1250.00"), "PRLV SEPA LOYER", None, "Bills", (), "debit_card"),
    ]


def test_app_export_with_iso_timestamps_keeps_categories_and_tags(app, client, logged_in):
    run(app, client, logged_in, "app_export_timestamps.csv", {2: "new", 3: "new"})
    assert added(app, logged_in.id) == [
        (
            D(2026, 5, 4),
            Decimal("12.50"),
            "Coffee beans",
            None,
            "Food",
            ("groceries",),
            "debit_card",
        ),
        (
            D(2026, 5, 5),
            Decimal("45.00"),
            "Train to Lyon",
            None,
            "Transport",
            ("travel", "work"),
            "debit_card",
        ),
    ]


def test_an_ambiguous_date_order_is_asked_with_both_readings(app, client, logged_in):
    batch = import_id(upload(client, "ambiguous_dates.csv"))
    page = client.get(f"/imports/{batch}/mapping").get_data(as_text=True)
    assert mapping_values(page)["date_format"] == ""
    assert "<code>03/04/2026</code>" in page
    assert "<strong>DD/MM/YYYY</strong>: Friday 03 April 2026" in page
    assert "<strong>MM/DD/YYYY</strong>: Wednesday 04 March 2026" in page
    refused = submit_mapping(client, batch)
    assert refused.status_code == 422
    assert "Several date formats read every date" in refused.get_data(as_text=True)
    assert client.get(f"/imports/{batch}").status_code == 302
    assert submit_mapping(client, batch, date_format="DD/MM/YYYY").status_code == 302
    default = str(category_id(app, logged_in.id, "Bills"))
    assert commit(client, batch, {"default_category": default}).status_code == 302
    assert [row[0] for row in added(app, logged_in.id)] == [
        D(2026, 4, 3),
        D(2026, 6, 5),
        D(2026, 12, 11),
    ]


def test_utf16_with_tabs(app, client, logged_in):
    run(app, client, logged_in, "utf16_tabs.csv", {2: "new", 3: "new"})
    assert [row[:3] for row in added(app, logged_in.id)] == [
        (D(2026, 6, 1), Decimal("4.20"), "Café Zoë"),
        (D(2026, 6, 2), Decimal("2.10"), "Naïve Bakery"),
    ]


def test_broken_rows_are_errors_that_say_why_and_cannot_be_added(app, client, logged_in):
    statuses = {2: "new", 3: "error", 4: "error", 5: "error", 6: "error", 7: "new"}
    batch = run(app, client, logged_in, "broken_rows.csv", statuses)
    page = review_page(client, batch)
    for reason in (
        "2026-07-32",
        "“-abc” is not a number",
        "the amount is zero",
        "expected 3 fields, found 2",
    ):
        assert reason in page
    assert [row[2] for row in added(app, logged_in.id)] == ["Good row", "Fine again"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "bank_v1.ofx",
            [
                (D(2026, 3, 3), Decimal("42.17"), "WHOLE FOODS MARKET", "POS PURCHASE"),
                (D(2026, 3, 10), Decimal("120.00"), "AT&T WIRELESS", None),
            ],
        ),
        (
            "card_v2.ofx",
            [
                (D(2026, 4, 2), Decimal("19.99"), "Café de Flore", "Paris"),
                (D(2026, 4, 20), Decimal("7.50"), "Boulangerie <Paul>", None),
            ],
        ),
    ],
)
def test_ofx_goes_straight_to_review(app, client, logged_in, name, expected):
    run(app, client, logged_in, name, {1: "new", 2: "income", 3: "new"})
    assert [row[:4] for row in added(app, logged_in.id)] == expected


def test_qif_bank_uses_its_category_lines(app, client, logged_in):
    run(app, client, logged_in, "bank.qif", {1: "new", 2: "income", 3: "new"})
    assert added(app, logged_in.id) == [
        (
            D(2026, 3, 25),
            Decimal("25.00"),
            "CITY PARKING",
            "Meter 12",
            "Transport",
            (),
            "debit_card",
        ),
        (D(2026, 3, 27), Decimal("8.40"), "PHARMACY", None, "Health", (), "debit_card"),
    ]


def test_an_ambiguous_qif_asks_only_the_date_order(app, client, logged_in):
    batch = import_id(upload(client, "card_ambiguous.qif"))
    page = client.get(f"/imports/{batch}/mapping").get_data(as_text=True)
    assert 'name="date_format"' in page and 'name="role_0"' not in page
    assert submit_mapping(client, batch, date_format="DD/MM/YYYY").status_code == 302
    default = str(category_id(app, logged_in.id, "Bills"))
    assert commit(client, batch, {"default_category": default}).status_code == 302
    assert [row[:3] for row in added(app, logged_in.id)] == [
        (D(2026, 2, 1), Decimal("30.00"), "HARDWARE STORE"),
        (D(2026, 4, 3), Decimal("12.00"), "NEWSAGENT"),
    ]
