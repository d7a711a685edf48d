"""Members of a ledger (CONTRACT part 2, "ledgers"): role changes, removal and leaving, with
the rule that a ledger always keeps an owner, and the security events they log."""

from __future__ import annotations

import logging
import uuid

import pytest
from flask import Flask
from sqlalchemy import select

from expenses_app.extensions import db
from expenses_app.models import Expense, LedgerMember

from .conftest import post_form
from .factories import add_member, make_expense, make_user
from .test_ledgers_pages import client_for


def roles(app: Flask, ledger_id: uuid.UUID) -> dict[uuid.UUID, str]:
    with app.app_context():
        rows = db.session.execute(
            select(LedgerMember.user_id, LedgerMember.role).where(
                LedgerMember.ledger_id == ledger_id
            )
        )
        return dict(rows.all())


@pytest.fixture
def household(app: Flask):
    """Alice owns her personal ledger; Bob is a member of it."""
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")
    return alice, bob


def set_role(client, ledger_id, user_id, role):
    return post_form(
        client, f"/ledgers/{ledger_id}/members/{user_id}/role", {"role": role}, page="/"
    )


@pytest.mark.parametrize("role", ["owner", "viewer", "member"])
def test_the_owner_changes_a_members_role(app, household, caplog, role):
    alice, bob = household
    caplog.set_level(logging.INFO, logger="expenses_app.security")

    response = set_role(client_for(app, alice), alice.id, bob.id, role)

    assert response.status_code == 302
    assert roles(app, alice.id) == {alice.id: "owner", bob.id: role}
    changed = [r.getMessage() for r in caplog.records if "member_role_changed" in r.getMessage()]
    assert len(changed) == (role != "member")
    if changed:
        assert f"ledger_id={alice.id} target={bob.id}" in changed[0]


@pytest.mark.parametrize("role", ["admin", "", "OWNER"])
def test_an_unknown_role_is_refused_and_changes_nothing(app, household, role):
    alice, bob = household

    response = set_role(client_for(app, alice), alice.id, bob.id, role)

    assert response.status_code == 422
    assert "Choose owner, member or viewer." in response.get_data(as_text=True)
    assert roles(app, alice.id)[bob.id] == "member"


def test_the_last_owner_cannot_be_demoted(app, household):
    alice, _bob = household

    response = set_role(client_for(app, alice), alice.id, alice.id, "member")

    assert response.status_code == 422
    assert "only owner" in response.get_data(as_text=True)
    assert roles(app, alice.id)[alice.id] == "owner"


def test_with_a_second_owner_an_owner_may_step_down(app, household):
    alice, bob = household
    add_member(app, alice.id, make_user(app, "carol").id, "owner")

    assert set_role(client_for(app, alice), alice.id, alice.id, "viewer").status_code == 302
    assert roles(app, alice.id)[alice.id] == "viewer"


def test_a_role_change_for_someone_not_in_the_ledger_is_a_404(app, household):
    alice, _bob = household
    stranger = make_user(app, "stranger")

    assert set_role(client_for(app, alice), alice.id, stranger.id, "viewer").status_code == 404
    assert stranger.id not in roles(app, alice.id)


def test_the_owner_removes_a_member_whose_expenses_stay(app, household, caplog):
    alice, bob = household
    caplog.set_level(logging.INFO, logger="expenses_app.security")
    expense = make_expense(app, bob.id, ledger_id=alice.id, description="Bob's milk")
    bob_client = client_for(app, bob)
    post_form(bob_client, f"/ledgers/{alice.id}/switch", page="/")

    response = post_form(
        client_for(app, alice), f"/ledgers/{alice.id}/members/{bob.id}/remove", page="/"
    )

    assert response.status_code == 302
    assert bob.id not in roles(app, alice.id)
    with app.app_context():
        assert db.session.get_one(Expense, expense).ledger_id == alice.id
    assert bob_client.get(f"/ledgers/{alice.id}").status_code == 404
    assert bob_client.get(f"/expenses/{expense}").status_code == 404
    assert "Bob&#39;s milk" not in bob_client.get("/expenses/").get_data(as_text=True)
    assert any("member_removed" in r.getMessage() for r in caplog.records)


def test_the_last_owner_cannot_be_removed(app, household):
    alice, _bob = household

    response = post_form(
        client_for(app, alice), f"/ledgers/{alice.id}/members/{alice.id}/remove", page="/"
    )

    assert response.status_code == 422
    assert roles(app, alice.id)[alice.id] == "owner"


def test_a_member_leaves_and_their_session_falls_back_to_their_own_ledger(app, household):
    alice, bob = household
    expense = make_expense(app, bob.id, ledger_id=alice.id)
    client = client_for(app, bob)
    post_form(client, f"/ledgers/{alice.id}/switch", page="/")

    response = post_form(client, f"/ledgers/{alice.id}/leave", page="/")

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert bob.id not in roles(app, alice.id)
    with app.app_context():
        assert db.session.get_one(Expense, expense).ledger_id == alice.id
    assert 'class="ledger-switcher-name">Personal<' in client.get("/").get_data(as_text=True)


def test_a_viewer_may_leave_too(app, household):
    alice, _bob = household
    carol = make_user(app, "carol")
    add_member(app, alice.id, carol.id, "viewer")

    assert (
        post_form(client_for(app, carol), f"/ledgers/{alice.id}/leave", page="/").status_code == 302
    )
    assert carol.id not in roles(app, alice.id)


def test_the_last_owner_cannot_leave(app, household):
    alice, _bob = household

    response = post_form(client_for(app, alice), f"/ledgers/{alice.id}/leave", page="/")

    assert response.status_code == 422
    assert "only owner" in response.get_data(as_text=True)
    assert roles(app, alice.id)[alice.id] == "owner"


def test_leaving_the_last_ledger_sends_the_user_to_make_a_new_one(app, household):
    alice, bob = household
    with app.app_context():
        db.session.delete(db.session.get_one(LedgerMember, (bob.id, bob.id)))
        db.session.commit()
    client = client_for(app, bob)

    response = post_form(client, f"/ledgers/{alice.id}/leave", page="/ledgers/")

    assert response.status_code == 302 and response.headers["Location"] == "/ledgers/new"
    assert client.get("/ledgers/new").status_code == 200


def test_an_owner_who_removes_themselves_beside_another_owner_lands_on_their_ledgers(
    app, household
):
    alice, bob = household
    set_role(client_for(app, alice), alice.id, bob.id, "owner")

    response = post_form(
        client_for(app, alice), f"/ledgers/{alice.id}/members/{alice.id}/remove", page="/"
    )

    assert response.status_code == 302 and response.headers["Location"] == "/ledgers/"
    assert roles(app, alice.id) == {bob.id: "owner"}
