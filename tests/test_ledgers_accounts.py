"""Account deletion with shared ledgers (CONTRACT part 2): solo ledgers go with the
account, shared ones stay with the expenses in them, and the last owner of a shared
ledger cannot leave it ownerless."""

from __future__ import annotations

from sqlalchemy import func, select

from expenses_app.extensions import db
from expenses_app.models import Expense, Ledger, LedgerMember, User

from .conftest import login, post_form
from .factories import add_member, make_expense, make_user


def delete_account(app, user):
    client = app.test_client()
    login(client, user)
    return client, post_form(
        client, "/auth/account/delete", {"password": user.password}, page="/auth/account"
    )


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Ledger, LedgerMember, Expense)
        }


def test_the_only_owner_of_a_shared_ledger_cannot_delete_their_account(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")
    before = counts(app)

    _, response = delete_account(app, alice)

    assert response.status_code == 422
    assert "only owner of “Personal”" in response.get_data(as_text=True)
    assert counts(app) == before


def test_a_member_leaves_their_expenses_in_the_shared_ledger_and_takes_their_own(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")
    shared = make_expense(app, bob.id, ledger_id=alice.id, description="Bob's groceries")
    make_expense(app, bob.id, description="Bob's own")

    _, response = delete_account(app, bob)

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Ledger, bob.id) is None
        assert db.session.get(Ledger, alice.id) is not None
        kept = db.session.get_one(Expense, shared)
        assert kept.user_id is None and kept.ledger_id == alice.id
        assert db.session.scalar(select(func.count()).select_from(Expense)) == 1
    alice_client = app.test_client()
    login(alice_client, alice)
    page = alice_client.get(f"/expenses/{shared}").get_data(as_text=True)
    assert "Bob&#39;s groceries" in page and "former member" in page


def test_with_a_second_owner_the_account_goes_and_the_shared_ledger_stays(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "owner")

    client, response = delete_account(app, alice)

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, alice.id) is None
        members = db.session.scalars(
            select(LedgerMember.user_id).where(LedgerMember.ledger_id == alice.id)
        ).all()
        assert members == [bob.id]
    assert client.get("/").status_code == 302
