"""Hypothesis against the statement importer: random bytes and random well-formed
statements, through the pages. Never a 500, and a commit adds all it says or nothing."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from expenses_app.extensions import db
from expenses_app.models import Expense, ImportBatch

from .factories import category_id
from .imports_client import (
    commit,
    import_id,
    line_statuses,
    review_page,
    statement,
    submit_mapping,
    upload,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HANDLED = {200, 302, 409, 422}
DATE_SPELLINGS = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "DD.MM.YYYY": "%d.%m.%Y",
    "MM/DD/YYYY": "%m/%d/%Y",
    "YYYYMMDD": "%Y%m%d",
}
text = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.sampled_from(["\x00", "a\x00b", "x" * 300, "t" * 60 + "," + "u" * 45, "\x1b[31m"]),
)
cents = st.integers(min_value=-10_000_000, max_value=10_000_000)


def count_expenses(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Expense))


def spelled(amount: int, decimal: str) -> str:
    thousands = "." if decimal == "," else ","
    whole = f"{abs(amount) // 100:,}".replace(",", thousands)
    return f"{'-' if amount < 0 else ''}{whole}{decimal}{abs(amount) % 100:02d}"


def walk(app, client, user, batch: str) -> None:
    """Map as pre-filled, review, commit the checked lines: every answer handled, and the
    commit adds exactly its count or nothing."""
    page = client.get(f"/imports/{batch}")
    assert page.status_code in {200, 302}
    if page.status_code == 302:
        mapped = submit_mapping(client, batch)
        assert mapped.status_code in HANDLED, mapped.get_data(as_text=True)[-2000:]
        if mapped.status_code != 302:
            return
    review_page(client, batch)
    before = count_expenses(app)
    default = str(category_id(app, user.id, "Bills"))
    response = commit(client, batch, {"default_category": default})
    assert response.status_code in HANDLED, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        added = db.session.get(ImportBatch, uuid.UUID(batch)).added_count
    assert count_expenses(app) == before + (added if response.status_code == 302 else 0)


@FUZZ
@given(data=st.one_of(st.binary(max_size=400), text.map(str.encode)))
def _random_bytes(app, client, user, data):
    response = upload(client, "random.csv", data)
    assert response.status_code in {302, 422}, response.get_data(as_text=True)[-2000:]
    if response.status_code == 302:
        walk(app, client, user, import_id(response))


def test_random_bytes_never_fail(app, client, logged_in):
    _random_bytes(app, client, logged_in)


rows = st.lists(
    st.tuples(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)), cents, text),
    min_size=1,
    max_size=12,
)


@FUZZ
@given(
    rows=rows,
    date_format=st.sampled_from(sorted(DATE_SPELLINGS)),
    delimiter=st.sampled_from([",", ";", "\t"]),
    decimal=st.sampled_from([".", ","]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def _well_formed(app, client, user, rows, date_format, delimiter, decimal, encoding):
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    lines = [delimiter.join(["Date", "Description", "Amount"])]
    for day, amount, description in rows:
        spelled_day = day.strftime(DATE_SPELLINGS[date_format])
        lines.append(
            delimiter.join([spelled_day, cell(description), cell(spelled(amount, decimal))])
        )
    data = ("\r\n".join(lines) + "\r\n").encode(encoding, errors="replace")
    response = upload(client, "fuzz.csv", data)
    assert response.status_code in {302, 422}, response.get_data(as_text=True)[-2000:]
    if response.status_code == 302:
        batch = import_id(response)
        walk(app, client, user, batch)
        if client.get(f"/imports/{batch}").status_code == 200:
            assert len(line_statuses(review_page(client, batch))) == len(rows)


def test_random_well_formed_statements_are_read_whole_or_refused(app, client, logged_in):
    _well_formed(app, client, logged_in)


@pytest.mark.parametrize("name", ["bank_v1.ofx", "bank.qif"])
def test_truncated_ofx_and_qif_never_fail(app, client, logged_in, name):
    data = statement(name)
    for end in range(0, len(data), max(1, len(data) // 25)):
        response = upload(client, name, data[:end])
        assert response.status_code in {302, 422}
        if response.status_code == 302:
            walk(app, client, logged_in, import_id(response))


def ofx_document(transactions: list[tuple[dt.date, int, str]], xml: bool) -> bytes:
    """An OFX bank statement, 1.x SGML (elements unclosed) or 2.x XML."""

    def element(tag: str, value: str) -> str:
        escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"<{tag}>{escaped}</{tag}>" if xml else f"<{tag}>{escaped}\n"

    body = "".join(
        "<STMTTRN>"
        + element("TRNTYPE", "DEBIT" if amount < 0 else "CREDIT")
        + element("DTPOSTED", f"{day:%Y%m%d}120000")
        + element(
            "TRNAMT", f"{'-' if amount < 0 else ''}{abs(amount) // 100}.{abs(amount) % 100:02d}"
        )
        + element("FITID", f"F{n}")
        + element("NAME", " ".join(name.split()) or "x")
        + "</STMTTRN>\n"
        for n, (day, amount, name) in enumerate(transactions)
    )
    head = (
        '<?xml version="1.0"?>\n<?OFX OFXHEADER="200"?>\n'
        if xml
        else "OFXHEADER:100\nDATA:OFXSGML\n\n"
    )
    return (
        head + f"<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><BANKTRANLIST>\n{body}"
        "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    ).encode("utf-8")


def qif_document(transactions: list[tuple[dt.date, int, str]]) -> bytes:
    records = "".join(
        f"D{day:%m/%d/%Y}\nT{amount / 100:.2f}\nP{' '.join(name.split())}\n^\n"
        for day, amount, name in transactions
    )
    return ("!Type:Bank\n" + records).encode("utf-8")


printable = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=25)
transactions = st.lists(
    st.tuples(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)), cents, printable),
    min_size=1,
    max_size=10,
)


@FUZZ
@given(rows=transactions, kind=st.sampled_from(["ofx1", "ofx2", "qif"]))
def _well_formed_ofx_and_qif(app, client, user, rows, kind):
    data = qif_document(rows) if kind == "qif" else ofx_document(rows, xml=kind == "ofx2")
    response = upload(client, f"fuzz.{kind[:3]}", data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    batch = import_id(response)
    if client.get(f"/imports/{batch}").status_code == 200:
        statuses = line_statuses(review_page(client, batch))
        assert sorted(statuses) == list(range(1, len(rows) + 1))
        assert [statuses[n + 1] == "income" for n in range(len(rows))] == [
            amount > 0 for _, amount, _ in rows
        ]
    walk(app, client, user, batch)


def test_random_well_formed_ofx_and_qif_are_read_whole(app, client, logged_in):
    _well_formed_ofx_and_qif(app, client, logged_in)
