"""Who may use which ledger route: a non-member gets 404 on every one (GET and POST), a
viewer or member 403 on the owner's, and a refused request changes nothing."""

from __future__ import annotations

import pytest
from flask import Flask

from .conftest import csrf_token
from .factories import add_member, make_user
from .test_isolation import VOLATILE_TABLES
from .test_ledgers_pages import client_for
from .url_map import make_invite, snapshot

# Route templates with the fields a real form would send.
OWNER_POSTS = {
    "/ledgers/{ledger}/edit": {"name": "Taken over"},
    "/ledgers/{ledger}/delete": {"password": "correct horse battery staple"},
    "/ledgers/{ledger}/invites": {"role": "member"},
    "/ledgers/{ledger}/invites/{invite}/revoke": {},
    "/ledgers/{ledger}/members/{member}/role": {"role": "owner"},
    "/ledgers/{ledger}/members/{member}/remove": {},
}
MEMBER_POSTS = {"/ledgers/{ledger}/switch": {}, "/ledgers/{ledger}/leave": {}}
GETS = ("/ledgers/{ledger}",)


@pytest.fixture
def ledger(app: Flask):
    """Alice's ledger with Dave as a member and an open invitation, and its URL values."""
    alice, dave = make_user(app, "alice"), make_user(app, "dave")
    add_member(app, alice.id, dave.id, "member")
    return {"ledger": alice.id, "member": dave.id, "invite": make_invite(app, alice.id)}


def test_a_non_member_gets_404_on_every_ledger_route_and_nothing_changes(app, ledger):
    stranger = client_for(app, make_user(app, "stranger"))
    token = csrf_token(stranger, "/")
    before = snapshot(app, skip=VOLATILE_TABLES)

    for template in GETS:
        assert stranger.get(template.format(**ledger)).status_code == 404, template
    for template, data in {**OWNER_POSTS, **MEMBER_POSTS}.items():
        response = stranger.post(template.format(**ledger), data={**data, "csrf_token": token})
        assert response.status_code == 404, template

    assert snapshot(app, skip=VOLATILE_TABLES) == before


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_only_owners_may_run_the_ledger(app, ledger, role):
    user = make_user(app, f"a{role}")
    add_member(app, ledger["ledger"], user.id, role)
    client = client_for(app, user)
    token = csrf_token(client, "/")
    before = snapshot(app, skip=VOLATILE_TABLES)

    for template, data in OWNER_POSTS.items():
        data = {**data, "password": user.password, "csrf_token": token}
        assert client.post(template.format(**ledger), data=data).status_code == 403, template

    assert snapshot(app, skip=VOLATILE_TABLES) == before
    assert client.get("/ledgers/{ledger}".format(**ledger)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/ledgers/not-a-uuid",
        "/ledgers/123/switch",
        "/ledgers/{ledger}/members/nope/role",
        "/ledgers/{ledger}/invites/nope/revoke",
    ],
)
def test_malformed_ids_are_a_404(app, ledger, path):
    client = client_for(app, make_user(app, "alice2"))
    url = path.format(**ledger)

    if path == "/ledgers/not-a-uuid":
        assert client.get(url).status_code == 404
    else:
        assert client.post(url, data={"csrf_token": csrf_token(client, "/")}).status_code == 404
