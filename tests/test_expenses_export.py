"""CSV export: the contract's format, the list's filters, streamed."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from expenses_app.reads import listing

from .conftest import count_queries
from .factories import make_expense, make_user

HEADER = "date,amount,category,description,payment_method,tags,notes"


def rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))


def test_export_headers_and_exact_header_row(app, client, logged_in):
    response = client.get("/expenses/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="expenses-{today}.csv"'
    )
    assert response.get_data(as_text=True) == HEADER + "\r\n"


def test_export_is_streamed(app, client, logged_in):
    make_expense(app, logged_in.id)
    response = client.get("/expenses/export.csv", buffered=False)
    assert response.is_streamed
    assert len(rows(response)) == 2


def test_export_writes_every_field(app, client, logged_in):
    make_expense(
        app,
        logged_in.id,
        date=dt.date(2026, 5, 6),
        amount="1234.5",
        category="Transport",
        description="Taxi",
        payment_method="mobile_payment",
        tags=("work", "airport"),
        notes="Late flight",
    )
    assert rows(client.get("/expenses/export.csv"))[1] == [
        "2026-05-06",
        "1234.50",
        "Transport",
        "Taxi",
        "mobile_payment",
        "airport;work",
        "Late flight",
    ]


def test_export_quotes_commas_quotes_newlines_and_keeps_unicode(app, client, logged_in):
    description = 'Dinner, "fancy"\nsecond line'
    notes = "Crème brûlée 🍮, naïve 日本"
    make_expense(app, logged_in.id, description=description, notes=notes)
    response = client.get("/expenses/export.csv")
    text = response.get_data(as_text=True)
    assert '"Dinner, ""fancy""\nsecond line"' in text
    assert f'"{notes}"' in text
    row = rows(response)[1]
    assert row[3] == description and row[6] == notes
    assert response.data.decode("utf-8") == text


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(1)", "\tTab", "'quoted"]
)
def test_export_defuses_formulas_in_text_but_not_numbers(app, client, logged_in, text):
    make_expense(app, logged_in.id, description=text, notes=text, tags=(text.strip(),))
    row = rows(client.get("/expenses/export.csv"))[1]
    assert row[3] == "'" + text and row[6] == "'" + text
    assert row[1] == "12.50"


def test_export_applies_the_list_filters_and_sort(app, client, logged_in):
    make_expense(app, logged_in.id, description="Cheap", amount="5.00", tags=("work",))
    make_expense(app, logged_in.id, description="Dear", amount="50.00", tags=("work",))
    make_expense(app, logged_in.id, description="Untagged", amount="500.00")
    exported = rows(client.get("/expenses/export.csv?tag=work&sort=amount&order=asc&page=3"))
    assert [row[3] for row in exported[1:]] == ["Cheap", "Dear"]
    exported = rows(client.get("/expenses/export.csv?min=40&q=ea"))
    assert [row[3] for row in exported[1:]] == ["Dear"]
    exported = rows(client.get("/expenses/export.csv?q=EAP&sort=description&order=desc"))
    assert [row[3] for row in exported[1:]] == ["Cheap"]


def test_export_of_a_search_lists_what_the_search_lists(app, client, logged_in):
    other = make_user(app, "other")
    for n, description in enumerate(["Bakery", "BAKERY run", "Cake bakery", "Bike"]):
        make_expense(app, logged_in.id, description=description, amount=f"{n + 1}.00")
    make_expense(app, logged_in.id, description="Trashed bakery", deleted=True)
    make_expense(app, other.id, description="Their bakery")
    listed = client.get("/expenses/?q=baker&sort=amount").get_data(as_text=True)
    exported = rows(client.get("/expenses/export.csv?q=baker&sort=amount"))
    assert [row[3] for row in exported[1:]] == ["Cake bakery", "BAKERY run", "Bakery"]
    assert all(f">{row[3]}<" in listed for row in exported[1:])


def test_export_leaves_out_trash_and_other_users(app, client, logged_in):
    make_expense(app, logged_in.id, description="Mine")
    make_expense(app, logged_in.id, description="Trashed", deleted=True)
    make_expense(app, make_user(app, "other").id, description="Theirs")
    assert [row[3] for row in rows(client.get("/expenses/export.csv"))[1:]] == ["Mine"]


def test_export_bad_filter_is_400(client, logged_in):
    assert client.get("/expenses/export.csv?start=2026-02-31").status_code == 400


def test_export_needs_login(client):
    response = client.get("/expenses/export.csv")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_export_fetches_in_batches_with_few_statements(app, client, logged_in, monkeypatch):
    monkeypatch.setattr(listing, "EXPORT_BATCH", 4)
    for n in range(10):
        make_expense(app, logged_in.id, description=f"Row {n}", tags=(f"t{n}",))
    with count_queries(app) as statements:
        exported = rows(client.get("/expenses/export.csv"))
    assert len(exported) == 11
    tag_loads = [s for s in statements if "expense_tags" in s and "tags.name" in s]
    # One tag query per batch of 4: the rows really arrive batch by batch.
    assert len(tag_loads) == 3
