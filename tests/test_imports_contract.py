"""The contract's import promises not covered elsewhere, probed with odd inputs."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from expenses_app.extensions import db
from expenses_app.models import Expense, ImportBatch

from .conftest import login, post_form
from .factories import add_member, category_id, make_category, make_expense, make_user
from .imports_client import commit, import_id, line_statuses, review_page, submit_mapping, upload
from .test_imports_flow import committed, expense_count, imported

PLAIN = b"Date,Description,Amount\n2026-07-01,Coffee,-3.50\n2026-07-02,Rent,-900.00\n"


def batch_state(app, batch: str) -> tuple:
    with app.app_context():
        row = db.session.get(ImportBatch, uuid.UUID(batch))
        return row.status, row.settings


@pytest.mark.parametrize(
    "changes",
    [
        {"role_0": "date", "role_1": "date", "role_2": "amount"},
        {"role_0": "date", "role_1": "description", "role_2": "ignore"},
        {"role_0": "date", "role_1": "ignore", "role_2": "amount"},
        {"skip_lines": "51"},
        {"skip_lines": "-1"},
        {"skip_lines": "x"},
        {"role_99": "date"},
        {"date_format": "YYYY-DD-MM"},
        {"date_format": None},
        {"sign": "sideways"},
        {"decimal_separator": "'"},
        {"encoding": "utf-32"},
        {"delimiter": ":"},
        {"role_1": "balance"},
    ],
)
def test_a_bad_mapping_re_renders_and_changes_nothing(app, client, logged_in, changes):
    batch = import_id(upload(client, "plain.csv", PLAIN))
    before = batch_state(app, batch)
    response = submit_mapping(client, batch, **changes)
    assert response.status_code in (200, 422), response.status_code
    assert batch_state(app, batch) == before
    assert client.get(f"/imports/{batch}").status_code == 302


def test_ambiguous_dates_need_a_date_format(app, client, logged_in):
    data = b"Date,Description,Amount\n01/02/2026,Coffee,-3.50\n03/04/2026,Tea,-2.00\n"
    batch = import_id(upload(client, "amb.csv", data))
    response = submit_mapping(client, batch, date_format="")
    assert response.status_code == 422
    assert batch_state(app, batch)[1] is None
    assert submit_mapping(client, batch, date_format="DD/MM/YYYY").status_code == 302


def test_a_time_after_the_date_is_ignored(app, client, logged_in):
    data = b"Date,Description,Amount\n2026-05-04 08:15:30,Coffee,-3.50\n"
    batch = imported(client, data)
    assert line_statuses(review_page(client, batch)) == {2: "new"}


def test_payee_wins_and_the_description_goes_to_notes_cut_to_200(app, client, logged_in):
    long = "x" * 250
    data = f"Date,Payee,Description,Amount\n2026-07-01,{long},Card 1234,-3.50\n".encode()
    batch = imported(client, data)
    submit_mapping(client, batch, role_1="payee", role_2="description")
    committed_id = batch
    default = str(category_id(app, logged_in.id, "Bills"))
    assert commit(client, committed_id, {"default_category": default}).status_code == 302
    with app.app_context():
        expense = db.session.scalars(select(Expense)).one()
        assert expense.description == "x" * 200
        assert "Card 1234" in (expense.notes or "")


def test_the_same_file_again_shows_added_rows_as_duplicates(app, client, logged_in):
    data = (
        b"Date,Description,Amount\n2026-07-01,Coffee,-3.50\n2026-07-01,Coffee,-3.50\n"
        b"2026-07-02,Salary,100.00\n2026-07-40,Bad,-1.00\n2026-07-03,Tea,-2.00\n"
    )
    first = imported(client, data)
    assert line_statuses(review_page(client, first)) == {
        2: "new", 3: "new", 4: "income", 5: "error", 6: "new"
    }  # fmt: skip
    default = str(category_id(app, logged_in.id, "Bills"))
    response = commit(client, first, {"default_category": default}, checked=False)
    assert response.status_code == 422
    fields = {"include_2": "1", "include_3": "1", "default_category": default}
    assert commit(client, first, fields, checked=False).status_code == 302
    again = imported(client, data)
    assert line_statuses(review_page(client, again)) == {
        2: "duplicate", 3: "duplicate", 4: "income", 5: "error", 6: "new"
    }  # fmt: skip


def test_a_category_column_preselects_a_category_case_insensitively(app, client, logged_in):
    data = b"Date,Description,Amount,Category\n2026-07-01,Coffee,-3.50,bILLS\n"
    batch = imported(client, data)
    html = review_page(client, batch)
    bills = str(category_id(app, logged_in.id, "Bills"))
    assert f'<option value="{bills}" selected' in html
    assert commit(client, batch).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Expense.category_id)).one() == uuid.UUID(bills)


def test_commit_twice_and_a_category_of_another_ledger(app, client, logged_in):
    other = make_user(app)
    foreign = str(category_id(app, other.id, "Food"))
    batch = imported(client, PLAIN)
    fields = {"include_2": "1", "category_2": foreign, "default_category": ""}
    assert commit(client, batch, fields, checked=False).status_code == 422
    fields = {"include_2": "1", "default_category": foreign}
    assert commit(client, batch, fields, checked=False).status_code == 422
    assert expense_count(app, logged_in.id, deleted=None) == 0
    default = str(category_id(app, logged_in.id, "Bills"))
    assert commit(client, batch, {"default_category": default}).status_code == 302
    again = post_form(
        client, f"/imports/{batch}/commit", {"include_2": "1", "default_category": default},
        page="/imports/",
    )  # fmt: skip
    assert again.status_code == 409
    assert expense_count(app, logged_in.id) == 2


def test_unknown_bad_and_foreign_ids_answer_404(app, client, logged_in):
    stranger = app.test_client()
    login(stranger, make_user(app))
    theirs = imported(stranger, PLAIN)
    for batch in (str(uuid.uuid4()), theirs):
        for path in ("", "/mapping"):
            assert client.get(f"/imports/{batch}{path}").status_code == 404
        for path in ("/commit", "/undo", "/discard", "/mapping"):
            assert post_form(client, f"/imports/{batch}{path}", page="/imports/").status_code == 404
    for bad in ("not-a-uuid", "123", "%00"):
        assert client.get(f"/imports/{bad}").status_code == 404
        assert post_form(client, f"/imports/{bad}/undo", page="/imports/").status_code == 404
    url = f"/imports/profiles/{uuid.uuid4()}/delete"
    assert post_form(client, url, page="/imports/").status_code == 404
    assert batch_state(app, theirs)[0] == "draft"


def test_a_viewer_gets_403_and_nothing_changes(app, client):
    alice, carol = make_user(app, "alice"), make_user(app, "carol")
    add_member(app, alice.id, carol.id, "viewer")
    make_category(app, alice.id, "Spare")
    owner = app.test_client()
    login(owner, alice)
    draft = imported(owner, PLAIN)
    done = committed(app, owner, alice, PLAIN.replace(b"07", b"08"))
    login(client, carol)
    post_form(client, f"/ledgers/{alice.id}/switch", page="/")
    assert client.get(f"/imports/{draft}").status_code == 200
    assert client.get(f"/imports/{draft}/mapping").status_code == 403
    default = str(category_id(app, alice.id, "Bills"))
    for batch, path in ((draft, "/commit"), (draft, "/discard"), (done, "/undo")):
        url = f"/imports/{batch}{path}"
        response = post_form(client, url, {"include_2": "1", "default_category": default},
                             page="/imports/")  # fmt: skip
        assert response.status_code == 403, path
    assert batch_state(app, draft)[0] == "draft" and batch_state(app, done)[0] == "committed"
    assert expense_count(app, alice.id) == 2


@pytest.mark.parametrize("query", ["?page=abc", "?page=-1", "?sort=%00", "?status=bogus"])
def test_the_imports_list_never_fails_on_a_query_string(app, client, logged_in, query):
    assert client.get(f"/imports/{query}").status_code in (200, 400)
    assert client.get(f"/imports/profiles{query}").status_code in (200, 400)
    assert client.get(f"/recurring/{query}").status_code in (200, 400)


def test_an_empty_file_is_a_form_error_and_nothing_is_stored(app, client, logged_in):
    for data in (b"", b"\n\n", b"\xef\xbb\xbf"):
        assert upload(client, "empty.csv", data).status_code in (200, 422)
    with app.app_context():
        assert db.session.scalars(select(ImportBatch)).all() == []


def test_blank_lines_count_in_skip_lines_and_data_line(app, client, logged_in):
    data = (
        b"Bank export\r\n\r\nAccount 123\r\nDate;Description;Amount\r\n"
        b"2026-07-01;Coffee;-3,50\r\n\r\n2026-07-02;Tea;-2,00\r\n"
    )
    batch = import_id(upload(client, "preamble.csv", data))
    if client.get(f"/imports/{batch}").status_code == 302:
        response = submit_mapping(
            client, batch, skip_lines="3", delimiter=";", decimal_separator=",",
            role_0="date", role_1="description", role_2="amount", date_format="YYYY-MM-DD",
            has_header="y",
        )  # fmt: skip
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert line_statuses(review_page(client, batch)) == {5: "new", 7: "new"}


def test_debit_and_credit_columns_and_utf16_without_bom(app, client, logged_in):
    text = "Date\tDetails\tDebit\tCredit\n02/07/2026\tCafé\t3.50\t\n03/07/2026\tPay\t\t100.00\n"
    for data in (text.encode("utf-16-le"), text.encode("utf-16")):
        batch = import_id(upload(client, "tabs.tsv", data))
        response = submit_mapping(
            client, batch, encoding="utf-16", delimiter="tab", date_format="DD/MM/YYYY",
            role_0="date", role_1="description", role_2="debit", role_3="credit",
        )  # fmt: skip
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
        assert line_statuses(review_page(client, batch)) == {2: "new", 3: "income"}
        assert "Café" in review_page(client, batch)


def test_a_duplicate_ignores_case_and_spacing_in_the_description(app, client, logged_in):
    for text in ("coffee shop", "CoffeeShop", "  COFFEE   SHOP "):
        make_expense(app, logged_in.id, description=text, amount="3.50", date=dt.date(2026, 7, 1))
    data = b"Date,Description,Amount\n" + b"2026-07-01,Coffee Shop,-3.50\n" * 3
    batch = imported(client, data)
    assert line_statuses(review_page(client, batch)) == {
        2: "duplicate",
        3: "duplicate",
        4: "duplicate",
    }


@pytest.mark.parametrize(
    "name", ["include_0", "include_abc", "include_02", "include_-2", "include_"]
)
def test_an_include_of_no_line_of_the_file_adds_nothing(app, client, logged_in, name):
    batch = imported(client, PLAIN)
    default = str(category_id(app, logged_in.id, "Bills"))
    fields = {"include_2": "1", name: "1", "default_category": default}
    response = commit(client, batch, fields, checked=False)
    assert 400 <= response.status_code < 500
    assert expense_count(app, logged_in.id, deleted=None) == 0
    assert batch_state(app, batch)[0] == "draft"


def test_a_role_the_contract_does_not_limit_may_be_given_to_several_columns(app, client, logged_in):
    data = (
        b"Date,Text 1,Text 2,Amount,Note 1,Note 2,Tag 1,Tag 2\n"
        b"2026-07-01,Coffee,Shop,-3.50,first,second,a,b\n"
    )
    batch = import_id(upload(client, "split.csv", data))
    roles = {"role_1": "description", "role_2": "description", "role_4": "notes"}
    roles |= {"role_5": "notes", "role_6": "tags", "role_7": "tags", "role_3": "amount"}
    response = submit_mapping(client, batch, role_0="date", date_format="YYYY-MM-DD", **roles)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    default = str(category_id(app, logged_in.id, "Bills"))
    assert commit(client, batch, {"default_category": default}).status_code == 302
    with app.app_context():
        expense = db.session.scalars(select(Expense).options(selectinload(Expense.tags))).one()
        assert expense.description == "Coffee Shop"
        assert expense.notes == "first\nsecond"
        assert sorted(tag.name for tag in expense.tags) == ["a", "b"]


def test_a_qif_with_one_unreadable_date_but_one_date_order_goes_to_review(app, client, logged_in):
    data = (
        b"!Type:Bank\nD03/25/2026\nT-25.00\nPPARKING\n^\nD13/45/2026\nT-8.40\nPPHARMACY\n^\n"
        b"D03/27/2026\nT-3.00\nPCOFFEE\n^\n"
    )
    batch = import_id(upload(client, "bank.qif", data))
    assert client.get(f"/imports/{batch}").status_code == 200
    assert line_statuses(review_page(client, batch)) == {1: "new", 2: "error", 3: "new"}


def test_an_amount_with_two_minus_signs_is_an_error_not_money_in(app, client, logged_in):
    data = (
        b"Date,Description,Amount\n2026-07-01,Coffee,--3.50\n2026-07-02,Tea,(-2.00)\n"
        b"2026-07-03,Cake,-4.00\n"
    )
    batch = imported(client, data)
    assert line_statuses(review_page(client, batch)) == {2: "error", 3: "error", 4: "new"}


def test_a_profile_maps_a_file_with_its_header_after_a_longer_preamble(app, client, logged_in):
    header = b"Booked;Text;Value\n"
    first = b"Account 1\n" + header + b"2026-07-01;Coffee;-3,50\n2026-07-02;Tea;-2,00\n"
    batch = import_id(upload(client, "first.csv", first))
    response = submit_mapping(client, batch, save_profile="y", profile_name="My bank",
        role_0="date", role_1="description", role_2="amount", date_format="YYYY-MM-DD",
        delimiter=";", decimal_separator=",", skip_lines="1", has_header="y")  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    second = b"Account 1\nFrom 2026-07-03 to 2026-07-04\n\n" + header
    second += b"2026-07-03;Cake;-4,00\n"
    batch = import_id(upload(client, "second.csv", second))
    assert client.get(f"/imports/{batch}").status_code == 200
    assert line_statuses(review_page(client, batch)) == {5: "new"}
