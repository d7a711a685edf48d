"""The statement import's rules through its pages: duplicates, income, all-or-nothing
commits, undo and discard, limits, profiles, remembered categories and privacy."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from expenses_app.extensions import db
from expenses_app.models import Expense, ImportBatch, ImportLine, ImportProfile

from .conftest import login, post_form
from .factories import add_member, category_id, make_category, make_expense, make_user
from .imports_client import (
    commit,
    import_id,
    line_statuses,
    review_page,
    statement,
    submit_mapping,
    upload,
)

HEADER = "Date,Description,Amount\n"


def csv_of(rows: list[tuple[str, str, str]]) -> bytes:
    return (HEADER + "".join(f"{d},{text},{amount}\n" for d, text, amount in rows)).encode()


def days(first: int, last: int) -> bytes:
    """A statement of one purchase a day, each of its own amount (no possible duplicates)."""
    start = dt.date(2026, 1, 1)
    return csv_of(
        [
            ((start + dt.timedelta(days=n - 1)).isoformat(), f"Shop {n}", f"-{10 + n}.00")
            for n in range(first, last + 1)
        ]
    )


def imported(client, data: bytes, name="statement.csv", **mapping) -> str:
    """Upload and map a CSV (mapped as pre-filled); the import's id."""
    batch = import_id(upload(client, name, data))
    if client.get(f"/imports/{batch}").status_code == 302:
        response = submit_mapping(client, batch, **mapping)
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return batch


def committed(app, client, user, data: bytes, fields=None, name="statement.csv") -> str:
    batch = imported(client, data, name)
    default = str(category_id(app, user.id, "Bills"))
    response = commit(client, batch, {"default_category": default, **(fields or {})})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return batch


def expense_count(app, ledger_id, *, deleted: bool | None = False) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(Expense).where(Expense.ledger_id == ledger_id)
        if deleted is not None:
            stmt = stmt.where(
                Expense.deleted_at.is_not(None) if deleted else Expense.deleted_at.is_(None)
            )
        return db.session.scalar(stmt)


def test_overlapping_statements_add_each_transaction_once(app, client, logged_in):
    committed(app, client, logged_in, days(1, 60))
    batch = imported(client, days(30, 90))
    statuses = line_statuses(review_page(client, batch))
    assert [statuses[n + 2 - 30] for n in range(30, 61)] == ["duplicate"] * 31
    assert [statuses[n + 2 - 30] for n in range(61, 91)] == ["new"] * 30
    default = str(category_id(app, logged_in.id, "Bills"))
    assert commit(client, batch, {"default_category": default}).status_code == 302
    with app.app_context():
        descriptions = db.session.scalars(
            select(Expense.description).where(Expense.ledger_id == logged_in.id)
        ).all()
    assert sorted(descriptions) == sorted(f"Shop {n}" for n in range(1, 91))


def test_two_identical_lines_both_come_in_and_neither_the_second_time(app, client, logged_in):
    coffees = csv_of([("2026-03-02", "Coffee", "-3.50"), ("2026-03-02", "Coffee", "-3.50")])
    committed(app, client, logged_in, coffees)
    assert expense_count(app, logged_in.id) == 2
    again = imported(client, coffees)
    assert line_statuses(review_page(client, again)) == {2: "duplicate", 3: "duplicate"}


def test_the_kth_identical_line_matches_only_a_kth_expense(app, client, logged_in):
    make_expense(app, logged_in.id, amount="3.50", date=dt.date(2026, 3, 2), description="coffee ")
    coffees = csv_of([("2026-03-02", "Coffee", "-3.50"), ("2026-03-02", "  COFFEE", "-3.50")])
    batch = imported(client, coffees)
    page = review_page(client, batch)
    # The second is no duplicate; the first coffee (same amount and day) makes it a possible one.
    assert line_statuses(page) == {2: "duplicate", 3: "possible_duplicate"}
    assert not re.search(r'name="include_[23]"[^>]*checked', page)


def test_possible_duplicates_are_shown_unchecked_and_trash_counts_only_for_exact_ones(
    app, client, logged_in
):
    near = make_expense(
        app, logged_in.id, amount="20.00", date=dt.date(2026, 3, 1), description="Grocer"
    )
    make_expense(
        app,
        logged_in.id,
        amount="30.00",
        date=dt.date(2026, 3, 5),
        description="Other",
        deleted=True,
    )
    make_expense(
        app,
        logged_in.id,
        amount="40.00",
        date=dt.date(2026, 3, 6),
        description="Trashed",
        deleted=True,
    )
    rows = [
        ("2026-03-03", "Supermarket", "-20.00"),
        ("2026-03-05", "Cinema", "-30.00"),
        ("2026-03-06", "trashed", "-40.00"),
        ("2026-03-08", "Far away", "-20.00"),
    ]
    page = review_page(client, imported(client, csv_of(rows)))
    assert line_statuses(page) == {2: "possible_duplicate", 3: "new", 4: "duplicate", 5: "new"}
    assert f"/expenses/{near}" in page and "(in the trash)" in page


def test_a_bank_reference_matches_even_after_the_expense_was_edited(app, client, logged_in):
    committed(app, client, logged_in, statement("bank_v1.ofx"), name="bank_v1.ofx")
    with app.app_context():
        db.session.execute(update(Expense).values(description="Renamed", date=dt.date(2025, 1, 1)))
        db.session.commit()
    again = import_id(upload(client, "bank_v1.ofx"))
    assert line_statuses(review_page(client, again)) == {
        1: "duplicate",
        2: "income",
        3: "duplicate",
    }


def test_income_errors_and_unknown_categories_are_refused_and_nothing_is_added(
    app, client, logged_in
):
    batch = imported(client, statement("broken_rows.csv"))
    other = make_user(app)
    foreign = str(category_id(app, other.id, "Food"))
    default = str(category_id(app, logged_in.id, "Bills"))
    for fields in (
        {"include_2": "1", "include_3": "1", "default_category": default},
        {"include_2": "1", "category_2": foreign, "default_category": default},
        {"include_2": "1", "category_2": "not-an-id", "default_category": default},
        {"include_2": "1", "default_category": ""},
        {"include_99": "1", "default_category": default},
        {"include_2": "1", "default_category": default, "payment_method": "bitcoin"},
    ):
        response = commit(client, batch, fields, checked=False)
        assert response.status_code == 422, fields
        assert "Nothing was added" in response.get_data(as_text=True)
    income = import_id(upload(client, "bank_v1.ofx"))
    response = commit(client, income, {"include_2": "1", "default_category": default})
    assert response.status_code == 422
    assert expense_count(app, logged_in.id, deleted=None) == 0


def test_undo_by_another_member_leaves_what_its_author_has_made_private_since(app):
    """Only the member who added a private expense may delete it, an undo included."""
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")
    bobs = app.test_client()
    login(bobs, bob)
    post_form(bobs, f"/ledgers/{alice.id}/switch", page="/")
    # (the default category is looked up in the ledger of the user given: Alice's)
    batch = committed(app, bobs, alice, statement("bank_v1.ofx"), name="bank_v1.ofx")
    with app.app_context():
        first = db.session.scalar(select(Expense.id).where(Expense.deleted_at.is_(None)).limit(1))
        db.session.execute(update(Expense).where(Expense.id == first).values(private=True))
        db.session.commit()
    alices = app.test_client()
    login(alices, alice)

    assert post_form(alices, f"/imports/{batch}/undo", page="/imports/").status_code == 302

    with app.app_context():
        assert db.session.get(Expense, first).deleted_at is None
        trashed = select(func.count()).where(Expense.deleted_at.is_not(None))
        assert db.session.scalar(trashed) == 1
        assert db.session.get(ImportBatch, uuid.UUID(batch)).status == "undone"


def test_commit_undo_and_discard_each_work_once(app, client, logged_in):
    unrelated = make_expense(app, logged_in.id, description="Typed by hand")
    batch = committed(app, client, logged_in, statement("bank_v1.ofx"), name="bank_v1.ofx")
    summary = review_page(client, batch)
    assert summary.count("data-added") == 2 and "Undo this import" in summary
    assert commit(client, batch, {"default_category": ""}, checked=False).status_code == 409
    assert post_form(client, f"/imports/{batch}/discard", page="/imports/").status_code == 409
    assert post_form(client, f"/imports/{batch}/undo", page="/imports/").status_code == 302
    assert expense_count(app, logged_in.id, deleted=True) == 2
    assert expense_count(app, logged_in.id) == 1
    with app.app_context():
        assert db.session.get(Expense, unrelated).deleted_at is None
        assert db.session.get(ImportBatch, uuid.UUID(batch)).status == "undone"
    assert post_form(client, f"/imports/{batch}/undo", page="/imports/").status_code == 409

    draft = import_id(upload(client, "bank_v1.ofx"))
    assert post_form(client, f"/imports/{draft}/undo", page="/imports/").status_code == 409
    assert post_form(client, f"/imports/{draft}/discard", page="/imports/").status_code == 302
    with app.app_context():
        assert db.session.get(ImportBatch, uuid.UUID(draft)) is None
        lines = select(func.count()).where(ImportLine.import_id == uuid.UUID(draft))
        assert db.session.scalar(lines) == 0


def test_the_imports_page_lists_each_import_with_its_status(app, client, logged_in):
    committed(app, client, logged_in, statement("bank_v1.ofx"), name="bank_v1.ofx")
    upload(client, "us_card.csv")
    page = client.get("/imports/").get_data(as_text=True)
    assert re.findall(r'data-status="(\w+)"', page) == ["draft", "committed"]
    assert "bank_v1.ofx" in page and "us_card.csv" in page


def test_unreadable_uploads_are_refused_and_nothing_is_stored(app, client, logged_in, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 350_000)
    too_big = b"Date,Description,Amount\n" + b"2026-01-01,x,-1.00\n" * 20_000
    # Both under werkzeug's 500 KB test-body threshold (above it the test client spools).
    many = b"OFXHEADER:100\n<OFX>" + b"<STMTTRN><TRNAMT>-1</STMTTRN>" * 10_001
    for data, message in (
        (b"", "The file is empty."),
        (b"\x00\x01\x02\xff" * 100, "not a statement file"),
        (b"just some words\nand more words\n", "not a statement file"),
        (too_big, "larger than 342 KB"),
        (many, "more than 10,000 transactions"),
        (b"!Type:Invst\nD1/1/26\n^\n", "cannot be imported"),
    ):
        response = upload(client, "file.csv", data)
        assert response.status_code == 422, message
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_a_csv_over_10000_rows_is_refused_at_the_mapping(app, client, logged_in):
    data = HEADER + "".join(f"2026-01-01,Row {n},-1.00\n" for n in range(10_001))
    batch = import_id(upload(client, "many.csv", data.encode()))
    response = submit_mapping(client, batch)
    assert response.status_code == 422
    assert "more than 10,000 rows" in response.get_data(as_text=True)
    assert client.get(f"/imports/{batch}").status_code == 302


def test_a_saved_profile_maps_the_next_file_with_that_header_at_once(app, client, logged_in):
    first = import_id(upload(client, "us_card.csv"))
    response = submit_mapping(client, first, save_profile="y", profile_name="Chase card")
    assert response.status_code == 302
    second = import_id(upload(client, "us_card.csv"))
    assert client.get(f"/imports/{second}").status_code == 200
    assert f"/imports/{second}/mapping" in review_page(client, second)
    profiles = client.get("/imports/profiles").get_data(as_text=True)
    assert "Chase card" in profiles
    with app.app_context():
        profile = db.session.scalar(select(ImportProfile.id))
    assert (
        post_form(
            client, f"/imports/profiles/{profile}/delete", page="/imports/profiles"
        ).status_code
        == 302
    )
    assert "data-profile" not in client.get("/imports/profiles").get_data(as_text=True)
    third = import_id(upload(client, "us_card.csv"))
    assert client.get(f"/imports/{third}").status_code == 302


def test_a_profile_needs_a_name(app, client, logged_in):
    batch = import_id(upload(client, "us_card.csv"))
    response = submit_mapping(client, batch, save_profile="y", profile_name="")
    assert response.status_code == 422 and "Name the profile" in response.get_data(as_text=True)


def test_the_category_chosen_for_a_description_is_offered_next_time(app, client, logged_in):
    food = str(category_id(app, logged_in.id, "Food"))
    first = imported(client, csv_of([("2026-03-02", "Corner Café", "-3.50")]))
    assert commit(client, first, {"category_2": food, "default_category": ""}).status_code == 302
    second = imported(client, csv_of([("2026-04-02", "corner  café", "-4.00")]))
    page = review_page(client, second)
    assert re.search(rf'<option value="{food}" selected>Food</option>', page)


def test_another_members_private_expense_matches_by_date_and_amount_and_stays_hidden(app, client):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id)
    make_expense(
        app,
        bob.id,
        ledger_id=alice.id,
        amount="12.00",
        date=dt.date(2026, 3, 2),
        description="Secret gift",
        private=True,
    )
    login(client, alice)
    batch = imported(client, csv_of([("2026-03-02", "Something else", "-12.00")]))
    page = review_page(client, batch)
    assert line_statuses(page) == {2: "duplicate"}
    assert "Secret gift" not in page and "Private expense" in page


def test_added_expenses_link_to_their_import_and_the_list_leads_to_both_importers(
    app, client, logged_in
):
    batch = committed(app, client, logged_in, statement("bank_v1.ofx"), name="bank_v1.ofx")
    with app.app_context():
        expense = db.session.scalar(select(Expense.id).where(Expense.amount == Decimal("42.17")))
    detail = client.get(f"/expenses/{expense}").get_data(as_text=True)
    assert f'href="/imports/{batch}"' in detail and "bank_v1.ofx" in detail
    listing = client.get("/expenses/").get_data(as_text=True)
    assert 'href="/imports/"' in listing
    imports = client.get("/imports/").get_data(as_text=True)
    assert 'href="/imports/new"' in imports and 'href="/expenses/import"' in imports


def test_purge_trash_deletes_drafts_older_than_seven_days(app, client, logged_in, runner):
    old = import_id(upload(client, "bank_v1.ofx"))
    recent = import_id(upload(client, "card_v2.ofx"))
    kept = committed(app, client, logged_in, statement("bank.qif"))
    with app.app_context():
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
        db.session.execute(
            update(ImportBatch)
            .where(ImportBatch.id.in_([uuid.UUID(old), uuid.UUID(kept)]))
            .values(created_at=long_ago)
        )
        db.session.commit()
    result = runner.invoke(args=["purge-trash"])
    assert result.exit_code == 0 and "Deleted 1 import drafts" in result.output
    with app.app_context():
        assert db.session.get(ImportBatch, uuid.UUID(old)) is None
        assert db.session.get(ImportBatch, uuid.UUID(recent)) is not None
        assert db.session.get(ImportBatch, uuid.UUID(kept)) is not None


def test_a_viewer_cannot_upload_and_a_stranger_sees_nothing(app, client):
    alice, carol = make_user(app, "alice"), make_user(app, "carol")
    add_member(app, alice.id, carol.id, "viewer")
    make_category(app, alice.id, "Spare")
    login(client, carol)
    post_form(client, f"/ledgers/{alice.id}/switch", page="/")
    assert client.get("/imports/new").status_code == 403
    assert client.get("/imports/").status_code == 200


def test_control_characters_and_long_tags_are_cleaned_not_fatal(app, client, logged_in):
    data = (
        "Date,Description,Amount,Tags\n"
        f'2026-03-02,"Bell\x07and\x1bescape",-3.50,"{"t" * 60}, short, {"u" * 45}"\n'
    ).encode()
    committed(app, client, logged_in, data)
    with app.app_context():
        expense = db.session.scalar(
            select(Expense)
            .options(selectinload(Expense.tags))
            .where(Expense.ledger_id == logged_in.id)
        )
        assert expense.description == "Bell and escape"
        assert sorted(tag.name for tag in expense.tags) == ["short", "t" * 40, "u" * 40]


def test_a_wrong_encoding_or_delimiter_is_shown_and_changes_nothing(app, client, logged_in):
    batch = import_id(upload(client, "de_girokonto_cp1252.csv"))
    wrong = submit_mapping(client, batch, encoding="utf-8")
    assert wrong.status_code == 422
    assert "is not UTF-8 text" in wrong.get_data(as_text=True)
    preview = submit_mapping(client, batch, delimiter="tab", preview="1")
    assert preview.status_code == 200 and 'name="role_1"' not in preview.get_data(as_text=True)
    mojibake = submit_mapping(client, batch, encoding="utf-16", preview="1")
    assert mojibake.status_code == 200 and "Auftraggeber" not in mojibake.get_data(as_text=True)
    assert client.get(f"/imports/{batch}").status_code == 302
    assert submit_mapping(client, batch).status_code == 302


def test_a_qif_subcategory_selects_its_parent_category(app, client, logged_in):
    data = b"!Type:Bank\nD03/25/2026\nT-9.99\nPGROCER\nLFood:Groceries\n^\n"
    batch = import_id(upload(client, "sub.qif", data))
    food = str(category_id(app, logged_in.id, "Food"))
    assert f'<option value="{food}" selected>Food</option>' in review_page(client, batch)


def test_without_a_payment_method_the_expenses_are_debit_card_payments(app, client, logged_in):
    batch = import_id(upload(client, "bank_v1.ofx"))
    default = str(category_id(app, logged_in.id, "Bills"))
    fields = {"include_1": "1", "default_category": default}
    assert (
        post_form(client, f"/imports/{batch}/commit", fields, page=f"/imports/{batch}").status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalars(select(Expense.payment_method)).all() == ["debit_card"]
