"""Invitation links (CONTRACT part 2, "ledgers"): created by owners for members or viewers,
single use, valid 7 days, revocable; `/invites/<token>` asks before joining."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from expenses_app.extensions import db
from expenses_app.models import INVITE_LIFETIME, LedgerInvite, LedgerMember
from expenses_app.tokens import token_hash

from .conftest import login, post_form
from .factories import UserInfo, add_member, make_user
from .test_ledgers_members import roles
from .test_ledgers_pages import client_for, current_ledger

LINK = re.compile(r'value="(http://[^"]+/invites/([A-Za-z0-9_-]+))"')


def invite(client: FlaskClient, ledger_id: uuid.UUID, role: str = "member"):
    return post_form(client, f"/ledgers/{ledger_id}/invites", {"role": role}, page="/")


def invite_token(client: FlaskClient, ledger_id: uuid.UUID, role: str = "member") -> str:
    response = invite(client, ledger_id, role)
    assert response.status_code == 200
    return LINK.search(response.get_data(as_text=True)).group(2)


def invites(app: Flask) -> list[LedgerInvite]:
    with app.app_context():
        rows = list(db.session.scalars(select(LedgerInvite)))
        db.session.expunge_all()
        return rows


def join(client: FlaskClient, token: str):
    return post_form(client, f"/invites/{token}", page=f"/invites/{token}")


@pytest.fixture
def alice(app: Flask) -> UserInfo:
    return make_user(app, "alice")


@pytest.fixture
def owner_client(app: Flask, alice: UserInfo) -> FlaskClient:
    return client_for(app, alice)


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_the_answer_shows_a_copyable_single_use_link_and_stores_only_its_hash(
    app, alice, owner_client, role, caplog
):
    caplog.set_level(logging.INFO, logger="expenses_app.security")
    response = invite(owner_client, alice.id, role)

    html = response.get_data(as_text=True)
    link, token = LINK.search(html).groups()
    assert urlsplit(link).path == f"/invites/{token}"
    assert re.search(r'<input[^>]*value="' + re.escape(link) + '"[^>]*readonly', html)
    assert 'data-copy="invite-link"' in html
    [stored] = invites(app)
    assert stored.role == role and stored.ledger_id == alice.id and stored.created_by == alice.id
    assert stored.token_hash == token_hash(token) and token not in stored.token_hash
    assert stored.expires_at - stored.created_at == INVITE_LIFETIME == dt.timedelta(days=7)
    assert f'action="/ledgers/{alice.id}/invites/{stored.id}/revoke"' in html
    assert any("invite_created" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("role", ["owner", "admin", ""])
def test_an_invitation_for_any_other_role_is_refused_and_nothing_is_created(
    app, alice, owner_client, role
):
    response = invite(owner_client, alice.id, role)

    assert response.status_code == 422
    assert "Choose member or viewer." in response.get_data(as_text=True)
    assert invites(app) == []


def test_logged_out_any_invitation_url_goes_to_login_and_login_comes_back(app, alice, owner_client):
    token = invite_token(owner_client, alice.id)
    bob = make_user(app, "bob")
    visitor = app.test_client()

    for path in (f"/invites/{token}", "/invites/not-a-token"):
        response = visitor.get(path)
        location = urlsplit(response.headers["Location"])
        assert response.status_code == 302 and location.path == "/auth/login"
        assert parse_qs(location.query)["next"] == [path]

    login_page = f"/auth/login?next=/invites/{token}"
    response = post_form(
        visitor, login_page, {"login": bob.username, "password": bob.password}, page=login_page
    )
    assert response.headers["Location"] == f"/invites/{token}"


def test_someone_without_an_account_registers_from_the_link_and_comes_back_to_it(
    app, alice, owner_client
):
    token = invite_token(owner_client, alice.id)
    visitor = app.test_client()
    login_page = visitor.get(f"/auth/login?next=/invites/{token}").get_data(as_text=True)
    assert f'href="/auth/register?next=/invites/{token}"' in login_page
    register_page = f"/auth/register?next=/invites/{token}"
    fields = {"email": "newcomer@example.com", "username": "newcomer"}
    fields |= {
        "password": "a newcomer's long passphrase",
        "confirm": "a newcomer's long passphrase",
    }
    response = post_form(visitor, register_page, fields, page=register_page)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/invites/{token}"
    assert join(visitor, token).status_code == 302
    assert sorted(roles(app, alice.id).values()) == ["member", "owner"]


def test_registration_ignores_a_next_that_leaves_the_site(app):
    page = "/auth/register?next=https://evil.example/"
    fields = {"email": "n2@example.com", "username": "newcomer2"}
    fields |= {
        "password": "a newcomer's long passphrase",
        "confirm": "a newcomer's long passphrase",
    }
    response = post_form(app.test_client(), page, fields, page=page)
    assert response.headers["Location"] == "/"


def test_the_invitation_page_names_the_ledger_and_asks_before_joining(app, alice, owner_client):
    token = invite_token(owner_client, alice.id, "viewer")
    bob = client_for(app, make_user(app, "bob"))

    html = bob.get(f"/invites/{token}").get_data(as_text=True)

    assert "Join “Personal”?" in html and "viewer" in html and "alice" in html
    assert f'action="/invites/{token}"' in html
    assert len(roles(app, alice.id)) == 1, "opening the link joins no one"


def test_joining_gives_the_invitations_role_makes_the_ledger_current_and_uses_the_link(
    app, alice, owner_client, caplog
):
    caplog.set_level(logging.INFO, logger="expenses_app.security")
    token = invite_token(owner_client, alice.id, "viewer")
    bob = make_user(app, "bob")
    client = client_for(app, bob)

    response = join(client, token)

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert roles(app, alice.id)[bob.id] == "viewer"
    assert current_ledger(app, bob) == alice.id
    [used] = invites(app)
    assert used.used_by == bob.id and used.used_at is not None
    events = " ".join(r.getMessage() for r in caplog.records)
    assert "event=invite_used" in events and "event=member_joined" in events


def test_a_used_link_is_a_404_for_everyone_after(app, alice, owner_client):
    token = invite_token(owner_client, alice.id)
    assert join(client_for(app, make_user(app, "bob")), token).status_code == 302
    carol = client_for(app, make_user(app, "carol"))

    assert carol.get(f"/invites/{token}").status_code == 404
    assert join(carol, token).status_code == 404
    assert len(roles(app, alice.id)) == 2


@pytest.mark.parametrize("token", ["unknown", "x" * 43, "x" * 5000, "%00"])
def test_an_unknown_link_is_a_404(app, alice, token):
    client = client_for(app, make_user(app, "bob"))

    assert client.get(f"/invites/{token}").status_code == 404
    assert len(roles(app, alice.id)) == 1


def test_an_expired_link_is_a_404(app, alice, owner_client, monkeypatch):
    token = invite_token(owner_client, alice.id)
    bob = client_for(app, make_user(app, "bob"))
    later = dt.datetime.now(dt.UTC) + INVITE_LIFETIME
    monkeypatch.setattr("expenses_app.clock.now", lambda: later - dt.timedelta(minutes=1))
    assert bob.get(f"/invites/{token}").status_code == 200

    monkeypatch.setattr("expenses_app.clock.now", lambda: later + dt.timedelta(minutes=1))

    assert bob.get(f"/invites/{token}").status_code == 404
    assert join(bob, token).status_code == 404
    assert len(roles(app, alice.id)) == 1
    assert "No open invitations" in owner_client.get(f"/ledgers/{alice.id}").get_data(as_text=True)


def test_a_revoked_link_stops_working(app, alice, owner_client, caplog):
    caplog.set_level(logging.INFO, logger="expenses_app.security")
    token = invite_token(owner_client, alice.id)
    [created] = invites(app)
    bob = client_for(app, make_user(app, "bob"))

    response = post_form(owner_client, f"/ledgers/{alice.id}/invites/{created.id}/revoke", page="/")

    assert response.status_code == 302
    assert invites(app)[0].revoked_at is not None
    assert bob.get(f"/invites/{token}").status_code == 404
    assert join(bob, token).status_code == 404
    assert any("invite_revoked" in r.getMessage() for r in caplog.records)


def test_revoking_an_invitation_of_another_ledger_is_a_404(app, alice, owner_client):
    bob = make_user(app, "bob")
    invite_token(client_for(app, bob), bob.id)
    [bobs] = invites(app)

    response = post_form(owner_client, f"/ledgers/{alice.id}/invites/{bobs.id}/revoke", page="/")

    assert response.status_code == 404
    assert invites(app)[0].revoked_at is None


def test_a_member_opening_a_link_is_told_so_and_offered_to_switch(app, alice, owner_client):
    token = invite_token(owner_client, alice.id)
    bob = make_user(app, "bob")
    add_member(app, alice.id, bob.id, "viewer")
    client = client_for(app, bob)

    html = client.get(f"/invites/{token}").get_data(as_text=True)

    assert "already a member" in html
    assert f'action="/ledgers/{alice.id}/switch"' in html
    assert join(client, token).status_code == 302
    assert roles(app, alice.id)[bob.id] == "viewer", "the link does not change the role"
    assert invites(app)[0].used_at is None, "the link stays for whoever it was meant for"


def test_a_user_with_no_ledger_can_open_and_use_a_link(app, alice, owner_client):
    token = invite_token(owner_client, alice.id)
    bob = make_user(app, "bob")
    with app.app_context():
        db.session.delete(db.session.get_one(LedgerMember, (bob.id, bob.id)))
        db.session.commit()
    client = client_for(app, bob)

    assert client.get(f"/invites/{token}").status_code == 200
    assert join(client, token).status_code == 302
    assert client.get("/").status_code == 200


def test_two_joins_racing_with_one_link_let_exactly_one_in(app, alice, owner_client):
    token = invite_token(owner_client, alice.id)
    users = [make_user(app, "bob"), make_user(app, "carol")]
    clients = []
    for user in users:
        client = app.test_client()
        login(client, user)
        client.get(f"/invites/{token}")
        clients.append(client)
    statuses: list[int] = []
    start = threading.Barrier(len(clients))

    def race(client: FlaskClient) -> None:
        start.wait()
        statuses.append(join(client, token).status_code)

    threads = [threading.Thread(target=race, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [302, 404]
    with app.app_context():
        count = select(func.count()).select_from(LedgerMember)
        assert db.session.scalar(count.where(LedgerMember.ledger_id == alice.id)) == 2
