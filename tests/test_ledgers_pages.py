"""The ledgers pages (CONTRACT part 2, "ledgers"): the list, a new ledger, switching, a
ledger's page, renaming, deleting, the header's switcher and the user with no ledger."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from expenses_app.extensions import db
from expenses_app.models import Category, Expense, Ledger, LedgerMember, User, UserSession

from .conftest import login, post_form
from .factories import UserInfo, add_member, make_expense, make_user


def client_for(app: Flask, user: UserInfo) -> FlaskClient:
    client = app.test_client()
    login(client, user)
    return client


def current_ledger(app: Flask, user: UserInfo) -> uuid.UUID | None:
    """The ledger the user's newest session has current (None: the loader falls back)."""
    with app.app_context():
        return db.session.scalar(
            select(UserSession.ledger_id)
            .where(UserSession.user_id == user.id)
            .order_by(UserSession.created_at.desc())
            .limit(1)
        )


def ledger_name(app: Flask, ledger_id: uuid.UUID) -> str | None:
    with app.app_context():
        ledger = db.session.get(Ledger, ledger_id)
        return None if ledger is None else ledger.name


def row_of(html: str, ledger_id: uuid.UUID) -> str:
    return html.split(f'id="ledger-{ledger_id}"')[1].split("</tr>")[0]


def new_ledger(client: FlaskClient, name: str):
    return post_form(client, "/ledgers/new", {"name": name})


def test_the_list_shows_each_ledger_with_the_role_and_marks_the_current_one(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "viewer")
    client = client_for(app, bob)

    html = client.get("/ledgers/").get_data(as_text=True)

    assert 'aria-current="true"' in row_of(html, bob.id)
    assert 'aria-current="true"' not in row_of(html, alice.id)
    assert "Owner" in row_of(html, bob.id) and "Viewer" in row_of(html, alice.id)
    assert html.count('aria-current="true"') == 1


def test_a_new_ledger_has_its_creator_as_owner_the_defaults_and_becomes_current(app, logged_in):
    client = client_for(app, logged_in)

    response = new_ledger(client, "  Household  ")

    assert response.status_code == 302
    with app.app_context():
        ledger = db.session.scalars(select(Ledger).where(Ledger.name == "Household")).one()
        member = db.session.get_one(LedgerMember, (ledger.id, logged_in.id))
        categories = db.session.scalar(
            select(func.count()).select_from(Category).where(Category.ledger_id == ledger.id)
        )
        last = db.session.get_one(User, logged_in.id).last_ledger_id
    assert member.role == "owner" and categories == 6
    assert current_ledger(app, logged_in) == ledger.id == last
    assert 'aria-current="true"' in row_of(
        client.get("/ledgers/").get_data(as_text=True), ledger.id
    )


@pytest.mark.parametrize(
    ("name", "error"),
    [("", "Enter a name."), ("   ", "Enter a name."), ("x" * 81, "80"), ("Tab\there", "control")],
)
def test_a_bad_ledger_name_is_a_form_error_and_creates_nothing(app, logged_in, name, error):
    client = client_for(app, logged_in)

    response = new_ledger(client, name)

    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ledger)) == 1


def test_a_name_of_80_characters_is_accepted(app, logged_in):
    assert new_ledger(client_for(app, logged_in), "é" * 80).status_code == 302


def test_switching_makes_the_ledger_current_and_redirects_home(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")
    make_expense(app, alice.id, description="Alice's shared bread")
    client = client_for(app, bob)

    response = post_form(client, f"/ledgers/{alice.id}/switch", page="/ledgers/")

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert current_ledger(app, bob) == alice.id
    assert "Alice&#39;s shared bread" in client.get("/expenses/").get_data(as_text=True)
    again = client_for(app, bob)
    assert current_ledger(app, bob) == alice.id, "a new login starts in the last ledger"
    assert "Alice&#39;s shared bread" in again.get("/expenses/").get_data(as_text=True)


def test_the_header_names_the_current_ledger_and_offers_the_others(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")
    with app.app_context():
        db.session.get_one(Ledger, alice.id).name = "Household"
        db.session.commit()
    client = client_for(app, bob)

    html = client.get("/").get_data(as_text=True)

    header = html.split("</header>")[0]
    assert re.search(r'class="ledger-switcher-name">Personal<', header)
    assert f'action="/ledgers/{alice.id}/switch"' in header
    assert 'href="/ledgers/"' in header
    post_form(client, f"/ledgers/{alice.id}/switch", page="/")
    header = client.get("/").get_data(as_text=True).split("</header>")[0]
    assert 'class="ledger-switcher-name">Household<' in header
    assert f'action="/ledgers/{bob.id}/switch"' in header


def test_the_header_follows_a_rename_by_another_member_on_a_cached_page(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")
    bob_client, alice_client = client_for(app, bob), client_for(app, alice)
    assert "Personal" in bob_client.get("/").get_data(as_text=True).split("</header>")[0]

    post_form(alice_client, f"/ledgers/{alice.id}/edit", {"name": "Family"}, page="/")

    assert "Family" in bob_client.get("/").get_data(as_text=True).split("</header>")[0]


def test_the_ledger_page_lists_its_members_and_no_other_user(app):
    alice, bob, carol = make_user(app, "alice"), make_user(app, "bob"), make_user(app, "carol")
    make_user(app, "stranger")
    add_member(app, alice.id, bob.id, "member")
    add_member(app, alice.id, carol.id, "viewer")

    html = client_for(app, carol).get(f"/ledgers/{alice.id}").get_data(as_text=True)

    members = html.split('id="members-heading"')[1].split("</table>")[0]
    assert re.findall(r'id="member-([0-9a-f-]+)" data-role="(\w+)"', members) == [
        (str(alice.id), "owner"),
        (str(bob.id), "member"),
        (str(carol.id), "viewer"),
    ]
    assert "stranger" not in html
    assert "/members/" not in html and "/invites" not in html, "a viewer gets no owner forms"


def test_an_owner_gets_role_and_remove_forms_for_each_other_member(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")

    html = client_for(app, alice).get(f"/ledgers/{alice.id}").get_data(as_text=True)

    assert f'action="/ledgers/{alice.id}/members/{bob.id}/role"' in html
    assert f'action="/ledgers/{alice.id}/members/{bob.id}/remove"' in html
    assert f"/members/{alice.id}/" not in html
    assert f'action="/ledgers/{alice.id}/invites"' in html


def test_the_owner_renames_the_ledger(app, logged_in):
    client = client_for(app, logged_in)

    response = post_form(client, f"/ledgers/{logged_in.id}/edit", {"name": " Home "}, page="/")

    assert response.status_code == 302
    assert ledger_name(app, logged_in.id) == "Home"


def test_a_bad_new_name_re_renders_the_ledger_page_and_changes_nothing(app, logged_in):
    client = client_for(app, logged_in)

    response = post_form(client, f"/ledgers/{logged_in.id}/edit", {"name": "a\x00b"}, page="/")

    assert response.status_code == 422
    assert "control characters" in response.get_data(as_text=True)
    assert ledger_name(app, logged_in.id) == "Personal"


def second_ledger(app: Flask, client: FlaskClient, name: str = "Holiday") -> uuid.UUID:
    assert new_ledger(client, name).status_code == 302
    with app.app_context():
        return db.session.scalars(select(Ledger.id).where(Ledger.name == name)).one()


def test_deleting_a_ledger_removes_everything_in_it_and_every_session_falls_back(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    alice_client = client_for(app, alice)
    holiday = second_ledger(app, alice_client)
    add_member(app, holiday, bob.id, "member")
    bob_client = client_for(app, bob)
    post_form(bob_client, f"/ledgers/{holiday}/switch", page="/")
    make_expense(app, bob.id, ledger_id=holiday, category="Food", description="Hotel")

    response = post_form(
        alice_client, f"/ledgers/{holiday}/delete", {"password": alice.password}, page="/"
    )

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Ledger, holiday) is None
        for model in (Expense, Category, LedgerMember):
            count = select(func.count()).select_from(model).where(model.ledger_id == holiday)
            assert db.session.scalar(count) == 0
    assert current_ledger(app, bob) is None
    assert "Hotel" not in bob_client.get("/expenses/").get_data(as_text=True)
    assert 'class="ledger-switcher-name">Personal<' in bob_client.get("/").get_data(as_text=True)


def test_deleting_needs_the_right_password(app, logged_in):
    client = client_for(app, logged_in)
    holiday = second_ledger(app, client)

    response = post_form(client, f"/ledgers/{holiday}/delete", {"password": "wrong"}, page="/")

    assert response.status_code == 422
    assert "not your password" in response.get_data(as_text=True)
    assert ledger_name(app, holiday) == "Holiday"


def test_deleting_the_only_ledger_the_owner_belongs_to_is_refused(app, logged_in):
    client = client_for(app, logged_in)

    response = post_form(
        client, f"/ledgers/{logged_in.id}/delete", {"password": logged_in.password}, page="/"
    )

    assert response.status_code == 422
    assert "only ledger" in response.get_data(as_text=True)
    assert ledger_name(app, logged_in.id) == "Personal"


def test_a_user_with_no_ledger_is_sent_to_create_one(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")
    with app.app_context():
        db.session.delete(db.session.get_one(Ledger, bob.id))
        db.session.commit()
    client = client_for(app, bob)
    post_form(client, f"/ledgers/{alice.id}/leave", page="/ledgers/")

    for page in ("/", "/expenses/", "/categories/", "/budgets/", "/reports"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"] == "/ledgers/"
    listing = client.get("/ledgers/")
    assert listing.status_code == 200 and "not in any ledger" in listing.get_data(as_text=True)
    assert client.get("/ledgers/new").status_code == 200
    assert new_ledger(client, "Fresh start").status_code == 302
    assert client.get("/").status_code == 200
