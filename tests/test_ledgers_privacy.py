"""Private expenses: counted for everyone, shown to other members only as date, amount and
category, on every path that reads expenses (CONTRACT part 2, "Private expenses").

Bob adds a private expense whose every hidden field carries the word `zebra`
(description, notes, tag, receipt name) and pays by credit card. Alice, the
owner, and Carol, a viewer, then look everywhere; the word must never reach
them, the expense must still count, and they may not change it.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from expenses_app.extensions import db
from expenses_app.models import Expense, UserSession

from .conftest import csrf_token, login, post_form
from .factories import UserInfo, add_member, category_id, make_expense, make_receipt, make_user

SECRET = "zebra"


@dataclass(frozen=True)
class Household:
    alice: UserInfo
    bob: UserInfo
    carol: UserInfo
    ledger: uuid.UUID
    private: uuid.UUID
    clients: dict[str, FlaskClient]


def use_ledger(app: Flask, client: FlaskClient, ledger_id: uuid.UUID) -> None:
    """Make `ledger_id` the client's current ledger through the contract's switch."""
    response = post_form(client, f"/ledgers/{ledger_id}/switch", page="/")
    assert response.status_code == 302


@pytest.fixture
def household(app: Flask) -> Household:
    alice, bob, carol = make_user(app, "alice"), make_user(app, "bob"), make_user(app, "carol")
    ledger = alice.id  # Alice's personal ledger, shared with Bob (member) and Carol (viewer)
    add_member(app, ledger, bob.id, "member")
    add_member(app, ledger, carol.id, "viewer")
    private = make_expense(
        app,
        bob.id,
        ledger_id=ledger,
        amount="41.17",
        category="Health",
        description=f"{SECRET} clinic",
        notes=f"{SECRET} notes",
        tags=(f"{SECRET}tag",),
        payment_method="credit_card",
        private=True,
    )
    make_receipt(app, bob.id, private)
    make_expense(app, alice.id, amount="10.00", category="Food", description="Groceries")
    clients = {}
    for user in (alice, bob, carol):
        client = app.test_client()
        login(client, user)
        if user is not alice:
            use_ledger(app, client, ledger)
        clients[user.username] = client
    return Household(alice, bob, carol, ledger, private, clients)


def others(household: Household) -> list[FlaskClient]:
    return [household.clients["alice"], household.clients["carol"]]


def text_of(response) -> str:
    return response.get_data(as_text=True)


def assert_hidden(response, typed: str = "") -> str:
    """The page, which holds the secret nowhere but in what the viewer `typed` (a search
    field and its links echo the query)."""
    body = text_of(response)
    assert response.status_code == 200, body[:500]
    shown = body.replace(typed, "") if typed else body
    assert SECRET not in shown.lower()
    return body


def test_the_author_sees_everything(household):
    bob = household.clients["bob"]
    body = text_of(bob.get(f"/expenses/{household.private}"))
    assert f"{SECRET} clinic" in body and f"{SECRET} notes" in body and f"{SECRET}tag" in body
    assert bob.get(f"/expenses/{household.private}/receipt").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/expenses/",
        "/expenses/?sort=description",
        "/expenses/?sort=category",
        "/expenses/?category={health}",
        "/expenses/?min=41&max=42",
        "/reports",
        "/reports?group=month",
        "/reports?group=category",
        "/budgets/",
        "/categories/",
    ],
)
def test_list_dashboard_and_reports_count_it_but_never_show_its_text(app, household, path):
    health = category_id(app, household.ledger, "Health")
    for client in others(household):
        body = assert_hidden(client.get(path.format(health=health)))
        if path.startswith("/expenses/") or path == "/":
            assert "41.17" in body or "51.17" in body


def test_the_list_shows_it_masked_with_its_date_amount_and_category(household):
    for client in others(household):
        body = assert_hidden(client.get("/expenses/"))
        assert "Private expense" in body
        assert "41.17" in body and "Health" in body
        assert "51.17" in body  # the total counts it


def test_the_detail_page_opens_masked_and_names_who_added_it(household):
    for client in others(household):
        body = assert_hidden(client.get(f"/expenses/{household.private}"))
        assert "Private expense" in body and "41.17" in body and "bob" in body
        assert "Credit card" not in body and "Recorded" not in body
        assert f"/expenses/{household.private}/edit" not in body


@pytest.mark.parametrize("query", [f"q={SECRET}", "q=clinic", f"tag={SECRET}tag"])
def test_search_and_tag_filter_never_match_it(household, query):
    for client in others(household):
        body = assert_hidden(client.get(f"/expenses/?{query}"), typed=query.split("=")[1])
        assert "41.17" not in body and "Private expense" not in body


def test_the_payment_method_filter_never_matches_it(household):
    for client in others(household):
        body = assert_hidden(client.get("/expenses/?payment_method=credit_card"))
        assert "41.17" not in body


def test_the_author_finds_it_by_search_tag_and_payment_method(household):
    bob = household.clients["bob"]
    for query in (f"q={SECRET}", f"tag={SECRET}tag", "payment_method=credit_card"):
        assert "41.17" in text_of(bob.get(f"/expenses/?{query}"))


@pytest.mark.parametrize("group", ["tag", "payment_method"])
def test_reports_by_tag_or_payment_method_put_it_under_private(household, group):
    for client in others(household):
        body = assert_hidden(client.get(f"/reports?group={group}"))
        assert "private" in body and "41.17" in body
        rows = list(
            csv.reader(io.StringIO(text_of(client.get(f"/reports/export.csv?group={group}"))))
        )
        assert ["private", "41.17", "1"] in rows
        assert SECRET not in str(rows).lower() and "credit_card" not in str(rows)


def test_the_author_reports_it_under_its_real_tag_and_method(household):
    bob = household.clients["bob"]
    tags = list(csv.reader(io.StringIO(text_of(bob.get("/reports/export.csv?group=tag")))))
    methods = list(
        csv.reader(io.StringIO(text_of(bob.get("/reports/export.csv?group=payment_method"))))
    )
    assert [f"{SECRET}tag", "41.17", "1"] in tags
    assert ["credit_card", "41.17", "1"] in methods


def test_the_csv_export_writes_it_masked(household):
    for client in others(household):
        response = client.get("/expenses/export.csv")
        rows = list(csv.DictReader(io.StringIO(assert_hidden(response))))
        (masked,) = [row for row in rows if row["amount"] == "41.17"]
        assert masked["description"] == "Private expense"
        assert masked["payment_method"] == "other"
        assert masked["tags"] == "" and masked["notes"] == ""
        assert masked["category"] == "Health"


def test_others_cannot_edit_delete_or_fetch_its_receipt(app, household):
    expense = household.private
    for client in others(household):
        assert client.get(f"/expenses/{expense}/edit").status_code == 404
        assert client.get(f"/expenses/{expense}/receipt").status_code == 404
        for action in ("edit", "delete"):
            response = post_form(
                client, f"/expenses/{expense}/{action}", {"amount": "1.00"}, page="/"
            )
            assert response.status_code == 404
    with app.app_context():
        stored = db.session.get_one(Expense, expense)
        assert stored.deleted_at is None and stored.description == f"{SECRET} clinic"


def test_in_the_trash_it_stays_masked_and_only_its_author_restores_it(app, household):
    bob = household.clients["bob"]
    assert post_form(bob, f"/expenses/{household.private}/delete", page="/").status_code == 302
    for client in others(household):
        body = assert_hidden(client.get("/expenses/trash"))
        assert "Private expense" in body
        response = post_form(client, f"/expenses/{household.private}/restore", page="/")
        assert response.status_code == 404
    assert post_form(bob, f"/expenses/{household.private}/restore", page="/").status_code == 302


def test_importing_a_row_like_it_is_not_a_duplicate(app, household):
    """A skipped row would tell Alice that an expense with that description exists."""
    alice = household.clients["alice"]
    with app.app_context():
        day = db.session.get_one(Expense, household.private).date
    data = (
        "date,amount,category,description,payment_method,tags,notes\r\n"
        f"{day.isoformat()},41.17,Health,{SECRET} clinic,cash,,\r\n"
    ).encode()
    response = alice.post(
        "/expenses/import",
        data={
            "file": (io.BytesIO(data), "x.csv"),
            "csrf_token": csrf_token(alice, "/expenses/import"),
        },
        content_type="multipart/form-data",
    )
    assert "1 imported, 0 skipped" in text_of(response)


def test_only_the_author_can_see_it_after_the_session_changes_ledger(app, household):
    """The current ledger lives in the session row: another worker reads the same."""
    with app.app_context():
        sessions = db.session.scalars(
            select(UserSession.ledger_id).where(UserSession.user_id == household.carol.id)
        ).all()
    assert household.ledger in sessions
