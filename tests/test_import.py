"""CSV import: every field, all-or-nothing, duplicates, categories, bad files, round trip."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from expenses_app.expenses import csv_import, csv_import_store
from expenses_app.expenses.csv_format import HEADER, expense_row
from expenses_app.extensions import db
from expenses_app.models import (
    CATEGORY_NAME_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    TAG_MAX_LENGTH,
    TAGS_PER_EXPENSE,
    Category,
    Expense,
)

from .conftest import count_queries, login, post_form
from .factories import make_category, make_expense, make_user, personal_scope

HEADER_LINE = ",".join(HEADER)


def csv_bytes(*rows: list[str], header: tuple[str, ...] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def upload(client, data: bytes, filename: str = "expenses.csv"):
    return post_form(
        client,
        "/expenses/import",
        {"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def stored(app, user_id: uuid.UUID) -> list[tuple]:
    """The user's expenses outside the trash as comparable tuples, sorted."""
    with app.app_context():
        expenses = db.session.scalars(
            select(Expense)
            .where(Expense.user_id == user_id, Expense.deleted_at.is_(None))
            .options(joinedload(Expense.category), selectinload(Expense.tags))
        ).all()
        return sorted(
            (
                e.date,
                e.amount,
                e.category.name,
                e.description,
                e.payment_method,
                tuple(sorted(t.name for t in e.tags)),
                e.notes,
            )
            for e in expenses
        )


def category_names(app, user_id: uuid.UUID) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(select(Category.name).where(Category.ledger_id == user_id))
        )


def expense_count(app, user_id: uuid.UUID) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Expense).where(Expense.user_id == user_id)
        )


TRICKY_ROWS = [
    ["2024-01-31", "12.50", "Food", 'Lunch, with "friends"', "credit_card", "work;team", ""],
    ["2024-02-29", "1234567.89", "Health", "Pharmacy\nsecond line", "cash", "", "Ibuprofen 200 mg"],
    [
        "2023-12-01",
        "0.01",
        "Transport",
        "Café crème ☕ — Zürich",
        "mobile_payment",
        "voyage;é",
        "ß",
    ],
    ["2023-12-02", "7", "Bills", "'=SUM(A1:A2)", "bank_transfer", "'-minus", "'@mention"],
    ["2023-12-03", "9999999999.99", "Shopping", "'+plus", "other", "", "multi\r\nline notes"],
]
TRICKY_EXPECTED = sorted(
    [
        (
            dt.date(2024, 1, 31),
            Decimal("12.50"),
            "Food",
            'Lunch, with "friends"',
            "credit_card",
            ("team", "work"),
            None,
        ),
        (
            dt.date(2024, 2, 29),
            Decimal("1234567.89"),
            "Health",
            "Pharmacy\nsecond line",
            "cash",
            (),
            "Ibuprofen 200 mg",
        ),
        (
            dt.date(2023, 12, 1),
            Decimal("0.01"),
            "Transport",
            "Café crème ☕ — Zürich",
            "mobile_payment",
            ("voyage", "é"),
            "ß",
        ),
        (
            dt.date(2023, 12, 2),
            Decimal("7.00"),
            "Bills",
            "=SUM(A1:A2)",
            "bank_transfer",
            ("-minus",),
            "@mention",
        ),
        (
            dt.date(2023, 12, 3),
            Decimal("9999999999.99"),
            "Shopping",
            "+plus",
            "other",
            (),
            "multi\r\nline notes",
        ),
    ]
)


def test_import_page_renders_the_file_field(client, logged_in):
    response = client.get("/expenses/import")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'type="file"' in html and 'name="file"' in html
    assert 'enctype="multipart/form-data"' in html


def test_valid_file_imports_every_field_exactly(app, client, logged_in):
    response = upload(client, csv_bytes(*TRICKY_ROWS))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "5 imported, 0 skipped as duplicates" in html
    assert stored(app, logged_in.id) == TRICKY_EXPECTED


def test_bom_and_crlf_line_endings_are_accepted(app, client, logged_in):
    data = "\ufeff" + HEADER_LINE + "\r\n2024-01-01,3.20,Food,Bread,cash,,\r\n"
    response = upload(client, data.encode("utf-8"))
    assert response.status_code == 200
    assert stored(app, logged_in.id) == [
        (dt.date(2024, 1, 1), Decimal("3.20"), "Food", "Bread", "cash", (), None)
    ]


def test_one_bad_line_imports_nothing_and_names_the_line(app, client, logged_in):
    rows = [[f"2024-01-0{n}", "5.00", "Food", f"Row {n}", "cash", "", ""] for n in range(1, 6)]
    rows[2][1] = "-3"
    response = upload(client, csv_bytes(*rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported" in html
    assert "Line 4:" in html
    assert "Line 3:" not in html and "Line 5:" not in html
    assert expense_count(app, logged_in.id) == 0


def test_every_bad_line_is_listed_with_its_reason(app, client, logged_in):
    data = (
        HEADER_LINE + "\n"
        "2024-01-01,5.00,Food,Good,cash,,\n"
        '2024-01-02,5.00,Food,"multi\nline ok",cash,,\n'
        "2024-13-01,5.00,Food,Bad month,cash,,\n"
        "2024-01-04,1e3,Food,Exponent,cash,,\n"
        "2024-01-05,12.345,Food,Three decimals,cash,,\n"
        "2024-01-06,NaN,Food,Not a number,cash,,\n"
        "2024-01-07,5.00,,No category,cash,,\n"
        "2024-01-08,5.00,Food,,cash,,\n"
        "2024-01-09,5.00,Food,Bad method,cheque,,\n"
        "01/10/2024,5.00,Food,US date,cash,,\n"
        "2024-01-11,5.00,Food\n"
        "2024-01-12,0,Food,Zero,cash,,\n"
        f"2024-01-13,5.00,Food,{'x' * 201},cash,,\n"
    )
    response = upload(client, data.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    expected = {
        5: "not a real date",
        6: "amount",
        7: "two decimal places",
        8: "amount",
        9: "category is missing",
        10: "description is missing",
        11: "payment method must be one of",
        12: "the date must look like",
        13: "expected 7 fields, found 3",
        14: "greater than zero",
        15: "longer than 200",
    }
    for line, reason in expected.items():
        message = html.split(f"Line {line}:")[1].split("</li>")[0]
        assert reason in message, (line, message)
    assert "Line 2:" not in html and "Line 3:" not in html and "Line 4:" not in html
    assert expense_count(app, logged_in.id) == 0


def test_same_file_twice_adds_nothing_the_second_time(app, client, logged_in):
    data = csv_bytes(*TRICKY_ROWS)
    assert upload(client, data).status_code == 200
    second = upload(client, data)
    html = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "0 imported, 5 skipped as duplicates" in html
    assert stored(app, logged_in.id) == TRICKY_EXPECTED


def test_text_that_means_something_to_json_or_sql_is_stored_and_matched_exactly(
    app, client, logged_in
):
    # The rows travel to the database as one JSON text (expenses/json_rows.py).
    texts = [
        'back\\slash \\" \\u0041 \\n',
        '["2024-01-01", 1, "x"]',
        '{"a": null}',
        "line\u2028separator\u2029paragraph",
        "emoji 🎉 and 𝄞 outside the BMP",
        "trailing space ",
        "' OR 1=1 --",
        "null",
        "tab\there\r\nand CRLF",
    ]
    rows = [
        [f"2024-06-{n + 1:02d}", f"{n + 1}.0{n}", "Food", text, "cash", text[:40], text]
        for n, text in enumerate(texts)
    ]
    assert upload(client, csv_bytes(*rows)).status_code == 200
    first = stored(app, logged_in.id)
    assert [(row[3], row[5], row[6]) for row in first] == [
        (text, (" ".join(text[:40].split()),), text) for text in texts
    ]
    response = upload(client, csv_bytes(*rows))
    assert f"0 imported, {len(rows)} skipped as duplicates" in response.get_data(as_text=True)
    assert stored(app, logged_in.id) == first


def test_identical_lines_in_one_file_are_all_kept(app, client, logged_in):
    line = ["2024-03-01", "2.50", "Food", "Coffee", "cash", "", ""]
    response = upload(client, csv_bytes(line, line))
    assert "2 imported, 0 skipped" in response.get_data(as_text=True)
    assert expense_count(app, logged_in.id) == 2
    response = upload(client, csv_bytes(line, line, line))
    assert "1 imported, 2 skipped" in response.get_data(as_text=True)
    assert expense_count(app, logged_in.id) == 3


def test_duplicate_match_ignores_category_case_but_not_trash_or_other_users(app, client, logged_in):
    other = make_user(app)
    make_expense(app, other.id, date=dt.date(2024, 3, 1), amount="2.50", description="Tea")
    make_expense(
        app, logged_in.id, date=dt.date(2024, 3, 2), amount="2.50", description="Tea", deleted=True
    )
    make_expense(app, logged_in.id, date=dt.date(2024, 3, 3), amount="2.50", description="Tea")
    response = upload(
        client,
        csv_bytes(
            ["2024-03-01", "2.50", "food", "Tea", "cash", "", ""],
            ["2024-03-02", "2.50", "FOOD", "Tea", "cash", "", ""],
            ["2024-03-03", "2.50", "fOOd", "Tea", "cash", "", ""],
        ),
    )
    assert "2 imported, 1 skipped" in response.get_data(as_text=True)


def test_unknown_categories_are_created_and_known_ones_matched_in_any_case(app, client, logged_in):
    response = upload(
        client,
        csv_bytes(
            ["2024-01-01", "1.00", "Pets", "Food for the cat", "cash", "", ""],
            ["2024-01-02", "1.00", " pets ", "Toy", "cash", "", ""],
            ["2024-01-03", "1.00", "HEALTH", "Plasters", "cash", "", ""],
            ["2024-01-04", "1.00", "Garden  tools", "Rake", "cash", "", ""],
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "New categories: Pets, Garden tools" in html
    assert category_names(app, logged_in.id) == sorted(
        [
            "Food",
            "Transport",
            "Shopping",
            "Bills",
            "Entertainment",
            "Health",
            "Pets",
            "Garden tools",
        ]
    )
    assert [row[2] for row in stored(app, logged_in.id)] == [
        "Pets",
        "Pets",
        "Health",
        "Garden tools",
    ]


def test_tags_are_shared_with_existing_ones_case_insensitively(app, client, logged_in):
    make_expense(app, logged_in.id, tags=("Work",))
    upload(client, csv_bytes(["2024-01-01", "1.00", "Food", "Lunch", "cash", "work;new", ""]))
    rows = [row for row in stored(app, logged_in.id) if row[3] == "Lunch"]
    assert rows[0][5] == ("Work", "new")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b'"date"x,amount,category,description,payment_method,tags,notes\n', "header must be"),
        ((HEADER_LINE + "\n2024-01-01,1.00,Fo\x01od,x,cash,,\n").encode(), "control characters"),
        (b"   \n\n", "empty"),
        (HEADER_LINE.encode() + b"\n", "no expenses"),
        (b"date;amount;category;description;payment_method;tags;notes\n", "header must be"),
        (b"Date,Amount,Category,Description,Payment method,Tags,Notes\n", "header must be"),
        (b"date,amount,category,description\n2024-01-01,1.00,Food,x\n", "header must be"),
        ((HEADER_LINE + "\n2024-01-01,1.00,Café,Crème,cash,,\n").encode("latin-1"), "UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "UTF-8"),
        (
            (HEADER_LINE + '\n2024-01-01,1.00,Food,"x' + "y" * 200_000 + '",cash,,\n').encode(),
            "not valid CSV",
        ),
        ((HEADER_LINE + '\n2024-01-01,1.00,Food,"bad"quote,cash,,\n').encode(), "not valid CSV"),
        (
            (HEADER_LINE + "\n2024-01-01,1.00,Food,nul\x00here,cash,,\n").encode(),
            "the description field contains control characters",
        ),
        (
            (HEADER_LINE + "\n2024-01-01,1.00,Food,x,cash,,bell\x07\n").encode(),
            "the notes field contains control characters",
        ),
        (
            (HEADER_LINE + '\n2024-01-01,1.00,Food,x,cash,,"' + "n" * 5001 + '"\n').encode(),
            "the notes are longer than 5000 characters",
        ),
    ],
)
def test_bad_files_are_refused_cleanly(app, client, logged_in, data, message):
    response = upload(client, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert expense_count(app, logged_in.id) == 0


def test_an_import_at_every_limit_saves_again_unchanged_from_its_edit_form(app, client, logged_in):
    tags = [f"{n:02d}" + "t" * (TAG_MAX_LENGTH - 2) for n in range(TAGS_PER_EXPENSE)]
    row = [
        "2024-01-01",
        "1.00",
        "c" * CATEGORY_NAME_MAX_LENGTH,
        "d" * DESCRIPTION_MAX_LENGTH,
        "cash",
        ";".join(tags),
        "tab\tand\nbreak " + "n" * (NOTES_MAX_LENGTH - 15),
    ]
    assert upload(client, csv_bytes(row)).status_code == 200
    with app.app_context():
        expense = db.session.scalars(select(Expense).where(Expense.user_id == logged_in.id)).one()
    form = {
        "amount": "1.00",
        "date": "2024-01-01",
        "category_id": str(expense.category_id),
        "description": expense.description,
        "payment_method": "cash",
        "tags": ", ".join(tags),
        "notes": expense.notes,
        "version": "1",
    }
    response = post_form(client, f"/expenses/{expense.id}/edit", form)
    assert response.status_code == 302
    assert stored(app, logged_in.id)[0][3:] == (row[3], "cash", tuple(tags), row[6])


def test_missing_file_is_a_form_error(app, client, logged_in):
    response = post_form(client, "/expenses/import", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a CSV file" in response.get_data(as_text=True)


def test_oversized_file_is_refused(app, client, logged_in, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1000)
    rows = [["2024-01-01", "1.00", "Food", f"Row {n}", "cash", "", ""] for n in range(100)]
    response = upload(client, csv_bytes(*rows))
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)
    assert expense_count(app, logged_in.id) == 0


def test_too_many_rows_are_refused(app, client, logged_in, monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_ROWS", 3)
    rows = [["2024-01-01", "1.00", "Food", f"Row {n}", "cash", "", ""] for n in range(4)]
    response = upload(client, csv_bytes(*rows))
    assert response.status_code == 422
    assert "more than 3 rows" in response.get_data(as_text=True)
    assert expense_count(app, logged_in.id) == 0


def test_crash_mid_import_commits_nothing_and_a_rerun_imports_once(
    app, client, logged_in, monkeypatch
):
    real_insert = csv_import_store._insert

    def insert_then_crash(*args):
        real_insert(*args)
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(csv_import_store, "_insert", insert_then_crash)
    data = csv_bytes(*TRICKY_ROWS)
    assert upload(client, data).status_code == 500
    assert expense_count(app, logged_in.id) == 0
    assert category_names(app, logged_in.id) == sorted(
        ["Food", "Transport", "Shopping", "Bills", "Entertainment", "Health"]
    )
    monkeypatch.undo()
    assert "5 imported, 0 skipped" in upload(client, data).get_data(as_text=True)
    assert stored(app, logged_in.id) == TRICKY_EXPECTED


def test_import_runs_a_fixed_number_of_statements(app, client, logged_in):
    def rows(n: int, prefix: str) -> bytes:
        return csv_bytes(
            *[
                [
                    f"2024-01-{1 + i % 28:02d}",
                    f"{i + 1}.25",
                    f"{prefix} cat {i % 7}",
                    f"Row {i}",
                    "cash",
                    f"{prefix}{i % 5};u{prefix}{i % 3}",
                    "note",
                ]
                for i in range(n)
            ]
        )

    with count_queries(app) as small:
        assert upload(client, rows(10, "Small")).status_code == 200
    with count_queries(app) as large:
        assert upload(client, rows(400, "Large")).status_code == 200
    assert len(large) == len(small)
    assert expense_count(app, logged_in.id) == 410
    assert len(category_names(app, logged_in.id)) == 6 + 7 + 7


def test_import_requires_login(client):
    response = client.get("/expenses/import")
    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]


def test_round_trip_through_the_export_row_into_a_fresh_account(app, client):
    source = make_user(app)
    pets = make_category(app, source.id, "Pets & Vets", icon="🐾")
    texts = [
        '=HYPERLINK("http://x","y")',
        "@SUM(1)",
        "-2+3",
        "+1",
        "'quoted",
        'a,b "c"\nd',
        "Ünïcödé 🎉",
        "\ttabbed",
    ]
    for n, text in enumerate(texts):
        make_expense(
            app,
            source.id,
            amount=f"{n + 1}.0{n}",
            date=dt.date(2024, 1, 1) + dt.timedelta(days=n),
            category=pets if n % 2 else "Food",
            description=text,
            payment_method=("cash", "credit_card", "other", "mobile_payment")[n % 4],
            notes=texts[-1 - n],
            tags=(f"tag{n}", "shared") if n % 3 else (),
        )
    make_expense(app, source.id, description="In the trash", deleted=True)
    with app.app_context():
        expenses = db.session.scalars(
            select(Expense)
            .where(Expense.user_id == source.id, Expense.deleted_at.is_(None))
            .options(joinedload(Expense.category), selectinload(Expense.tags))
        ).all()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for expense in expenses:
            writer.writerow(
                expense_row(expense, expense.category.name, [t.name for t in expense.tags])
            )
    target = make_user(app)
    login(client, target)
    response = upload(client, out.getvalue().encode("utf-8"))
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    assert stored(app, target.id) == stored(app, source.id)
    assert len(stored(app, target.id)) == len(texts)


def _generated_csv(count: int) -> bytes:
    return csv_bytes(
        *[
            [
                f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                f"{i % 5000 + 1}.{i % 100:02d}",
                f"Cat {i % 15}",
                f"Description {i}, with a comma",
                "credit_card",
                f"tag{i % 30};x{i % 7}",
                "notes" if i % 3 else "",
            ]
            for i in range(count)
        ]
    )


@pytest.mark.slow
def test_ten_thousand_rows_take_no_more_statements_than_a_hundred(app, logged_in):
    # Speed is measured by `make bench` (bench/probes.py) and bench.profile_import,
    # not timed here; what a test can pin is that no statement runs per row.
    other = make_user(app)
    statements = {}
    for user_id, count in ((other.id, 100), (logged_in.id, 10_000)):
        data = _generated_csv(count)
        # Through the service: the test client leaks a temp file for bodies over 500 kB.
        with app.test_request_context(method="POST"), count_queries(app) as seen:
            rows = csv_import.parse_csv(csv_import.decode_csv(data, max_bytes=len(data)))
            summary = csv_import_store.import_expenses(personal_scope(user_id), rows)
            db.session.commit()
        assert (summary.imported, summary.skipped) == (count, 0)
        assert expense_count(app, user_id) == count
        statements[count] = len(seen)
    assert statements[10_000] == statements[100]


def test_overlapping_file_adds_only_the_new_rows(app, client, logged_in):
    a = ["2024-05-01", "1.00", "Food", "A", "cash", "", ""]
    b = ["2024-05-02", "2.00", "Food", "B", "cash", "", ""]
    c = ["2024-05-03", "3.00", "Food", "C", "cash", "", ""]
    upload(client, csv_bytes(a, b))
    response = upload(client, csv_bytes(b, c))
    assert "1 imported, 1 skipped as duplicates" in response.get_data(as_text=True)
    assert [row[3] for row in stored(app, logged_in.id)] == ["A", "B", "C"]


def test_body_over_the_request_limit_is_413_and_imports_nothing(
    app, client, logged_in, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    rows = [["2024-01-01", "1.00", "Food", f"Row {n}", "cash", "", ""] for n in range(100)]
    response = upload(client, csv_bytes(*rows))
    assert response.status_code == 413
    assert expense_count(app, logged_in.id) == 0
