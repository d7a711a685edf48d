"""The statement readers on their own: amounts, dates, encodings, CSV layout, OFX, QIF."""

from __future__ import annotations

import datetime as dt

import pytest

from expenses_app.imports.csv_reader import detect_layout, read_records
from expenses_app.imports.dates import DATE_FORMATS, DateError, formats_reading, parse_date
from expenses_app.imports.decoding import decode_text, detect_encoding
from expenses_app.imports.numbers import NumberError, guess_decimal_separator, parse_signed_cents
from expenses_app.imports.ofx import read_ofx
from expenses_app.imports.qif import date_formats, read_transactions
from expenses_app.imports.qif import read_records as qif_records

from .imports_client import statement

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("text", "decimal", "cents"),
    [
        ("12.50", ".", 1250),
        ("12,50", ",", 1250),
        ("1,234.56", ".", 123456),
        ("1.234,56", ",", 123456),
        ("1 234,56", ",", 123456),
        (f"1{NBSP}234,56", ",", 123456),
        (f"1{NNBSP}234,56", ",", 123456),
        ("1'234.56", ".", 123456),
        ("1.234.567,89", ",", 123456789),
        ("-12.50", ".", -1250),
        ("\u221212.50", ".", -1250),
        ("12,50-", ",", -1250),
        ("(12.50)", ".", -1250),
        ("+12.50", ".", 1250),
        ("€12,50", ",", 1250),
        ("€ -12,50", ",", -1250),
        ("12,50 €", ",", 1250),
        ("$1,234.56", ".", 123456),
        ("-$5.00", ".", -500),
        ("£7.40", ".", 740),
        ("12.50 EUR", ".", 1250),
        ("USD -5", ".", -500),
        ("CHF 1'000.05", ".", 100005),
        ("7", ".", 700),
        ("0.1", ".", 10),
        ("  42.00  ", ".", 4200),
    ],
)
def test_every_listed_amount_form_is_read_exactly(text, decimal, cents):
    assert parse_signed_cents(text, decimal) == cents


@pytest.mark.parametrize(
    ("text", "decimal"),
    [
        ("", "."),
        ("abc", "."),
        ("1.234", "."),  # three decimals: the file uses a decimal comma
        ("1,23", "."),  # a thousands group of two
        ("1.234.56", "."),
        ("12.345,67", "."),
        ("1e3", "."),
        ("NaN", "."),
        ("12.5.0", ","),
        ("١٢", "."),  # Arabic-Indic digits
        ("99999999999.00", "."),
    ],
)
def test_unreadable_amounts_are_refused_with_a_reason(text, decimal):
    with pytest.raises(NumberError):
        parse_signed_cents(text, decimal)


def test_the_decimal_separator_is_guessed_from_the_values():
    assert guess_decimal_separator(["-54,23", "-1.234,56", "3.100,00"]) == ","
    assert guess_decimal_separator(["6.45", "1,299.99"]) == "."
    assert guess_decimal_separator(["12", "7"]) == "."


@pytest.mark.parametrize(
    ("text", "date_format", "day"),
    [
        ("2026-05-04", "YYYY-MM-DD", dt.date(2026, 5, 4)),
        ("2026-05-04 08:15:30", "YYYY-MM-DD", dt.date(2026, 5, 4)),
        ("2026-05-04T08:15:30Z", "YYYY-MM-DD", dt.date(2026, 5, 4)),
        ("2026-05-04T08:15:30+02:00", "YYYY-MM-DD", dt.date(2026, 5, 4)),
        ("04/05/2026", "DD/MM/YYYY", dt.date(2026, 5, 4)),
        ("04/05/2026", "MM/DD/YYYY", dt.date(2026, 4, 5)),
        ("4.5.2026", "DD.MM.YYYY", dt.date(2026, 5, 4)),
        ("04-05-2026", "DD-MM-YYYY", dt.date(2026, 5, 4)),
        ("04-05-2026", "MM-DD-YYYY", dt.date(2026, 4, 5)),
        ("2026/05/04", "YYYY/MM/DD", dt.date(2026, 5, 4)),
        ("04/05/26", "DD/MM/YY", dt.date(2026, 5, 4)),
        ("04/05/26", "MM/DD/YY", dt.date(2026, 4, 5)),
        ("04.05.26", "DD.MM.YY", dt.date(2026, 5, 4)),
        ("20260504", "YYYYMMDD", dt.date(2026, 5, 4)),
        ("4 May 2026", "D MMM YYYY", dt.date(2026, 5, 4)),
        ("04 Sept 2026", "D MMM YYYY", dt.date(2026, 9, 4)),
        ("4-dec-2026", "D MMM YYYY", dt.date(2026, 12, 4)),
    ],
)
def test_every_contract_date_format_is_read(text, date_format, day):
    assert parse_date(text, date_format) == day


@pytest.mark.parametrize(
    ("text", "date_format"),
    [("2026-02-30", "YYYY-MM-DD"), ("13/13/2026", "DD/MM/YYYY"), ("4 Foo 2026", "D MMM YYYY")],
)
def test_impossible_dates_are_refused(text, date_format):
    with pytest.raises(DateError):
        parse_date(text, date_format)


def test_the_app_never_guesses_a_date_order():
    assert formats_reading(["03/04/2026", "05/06/2026"]) == ["DD/MM/YYYY", "MM/DD/YYYY"]
    assert formats_reading(["03/04/2026", "13/06/2026"]) == ["DD/MM/YYYY"]
    assert formats_reading(["03/14/2026"]) == ["MM/DD/YYYY"]
    assert set(DATE_FORMATS) >= {"YYYY-MM-DD", "D MMM YYYY", "YYYYMMDD"}


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Café".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "Café".encode(), "utf-8"),
        ("Café".encode("utf-16"), "utf-16"),
        ("Café;Zoë".encode("utf-16-le"), "utf-16"),
        ("Müller €".encode("cp1252"), "cp1252"),
        (b"M\xfcller \x81", "latin-1"),
    ],
)
def test_encodings_are_detected(data, encoding):
    assert detect_encoding(data) == encoding
    assert "\ufeff" not in decode_text(data, encoding)


def test_layout_detection_skips_the_preamble_and_finds_the_delimiter():
    text = decode_text(statement("de_girokonto_cp1252.csv"), "cp1252")
    layout = detect_layout(text)
    assert (layout.delimiter, layout.skip_lines, layout.columns) == (";", 4, 5)
    records = read_records(text, ";", 4)
    assert [record.line for record in records] == [5, 6, 8, 9, 10]
    assert records[1].cells[3] == "Einkauf Lebensmittel\r\nKarte 1234"


def test_ofx_1_sgml_is_read():
    transactions = read_ofx(statement("bank_v1.ofx"))
    assert [
        (t.line, t.date, t.cents, t.description, t.notes, t.reference) for t in transactions
    ] == [
        (1, dt.date(2026, 3, 3), 4217, "WHOLE FOODS MARKET", "POS PURCHASE", "2026030301"),
        (2, dt.date(2026, 3, 5), -150000, "PAYROLL ACME", None, "2026030501"),
        (3, dt.date(2026, 3, 10), 12000, "AT&T WIRELESS", None, "2026031001"),
    ]


def test_ofx_2_xml_is_read():
    transactions = read_ofx(statement("card_v2.ofx"))
    assert [(t.date, t.cents, t.description, t.notes, t.reference) for t in transactions] == [
        (dt.date(2026, 4, 2), 1999, "Café de Flore", "Paris", "CC-0001"),
        (dt.date(2026, 4, 15), -20000, "PAYMENT RECEIVED", None, "CC-0002"),
        (dt.date(2026, 4, 20), 750, "Boulangerie <Paul>", None, "CC-0003"),
    ]


def test_qif_bank_is_read_with_its_one_date_order():
    records = qif_records(statement("bank.qif").decode())
    assert date_formats(records) == ["MM/DD/YYYY"]
    transactions = read_transactions(records, "MM/DD/YYYY")
    assert [(t.date, t.cents, t.description, t.notes, t.category_name) for t in transactions] == [
        (dt.date(2026, 3, 25), 2500, "CITY PARKING", "Meter 12", "Transport"),
        (dt.date(2026, 3, 26), -100000, "TRANSFER IN", None, None),
        (dt.date(2026, 3, 27), 840, "PHARMACY", None, "Health"),
    ]


def test_an_ambiguous_qif_offers_both_orders():
    records = qif_records(statement("card_ambiguous.qif").decode())
    assert date_formats(records) == ["DD/MM/YYYY", "MM/DD/YYYY"]
