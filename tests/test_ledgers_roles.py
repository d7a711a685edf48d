"""Roles over every route: a viewer's writes are refused with 403 and change nothing, a
member may not run the ledger, and no role reaches a ledger it is not in (CONTRACT part 2).

The routes come from `app.url_map` (see `url_map.py`), so a route added later
joins these walks by itself.
"""

from __future__ import annotations

import itertools

from flask import Flask

from .conftest import csrf_token, login, post_form
from .factories import UserInfo, add_member, category_id, make_user
from .test_isolation import PAYLOAD, VOLATILE_TABLES
from .url_map import owned_objects, placeholder_values, routes, snapshot

# What any member, viewers included, may POST: their own account and session,
# their own choice of ledger, and leaving or joining one.
OPEN_TO_EVERY_ROLE = ("/auth/", "/switch", "/leave", "/ledgers/new", "/invites/<")
# What only owners may POST: the ledger itself, its members and its invitations.
OWNER_ONLY = ("/ledgers/<uuid:ledger_id>/",)


def ledger_objects(app: Flask, owner: UserInfo, other: UserInfo) -> dict[str, list]:
    """A sample of every id a route takes, all in `owner`'s ledger (the member: `other`)."""
    return owned_objects(app, owner.id) | {"user_id": [other.id]}


def refused_writes(app: Flask, role: str, skip: tuple[str, ...]) -> tuple[list[str], int]:
    """POST every state-changing route of Alice's ledger as a `role`; what was not a 403
    or changed data."""
    alice, bob, dave = make_user(app, "alice"), make_user(app, "bob"), make_user(app, "dave")
    add_member(app, alice.id, bob.id, role)
    add_member(app, alice.id, dave.id, "member")
    objects = ledger_objects(app, alice, dave)
    client = app.test_client()
    login(client, bob)
    assert post_form(client, f"/ledgers/{alice.id}/switch", page="/").status_code == 302
    payload = {**PAYLOAD, "category_id": category_id(app, alice.id, "Food"), "role": "owner"}
    payload.update(move_to=payload["category_id"], csrf_token=csrf_token(client, "/"))
    failures, checked = [], 0
    for route in routes(app):
        if "POST" not in route.methods or any(part in route.rule for part in skip):
            continue
        ids = route.id_arguments
        # The live expense, but for a restore the trashed one: the other gets a 404 from
        # every role, its owner's included.
        choice = {"expense_id": [objects["expense_id"][1 if "restore" in route.rule else 0]]}
        for combination in itertools.product(*({**objects, **choice}[name] for name in ids)):
            values = {**placeholder_values(route), **dict(zip(ids, combination, strict=True))}
            path = route.build(values)
            before = snapshot(app, skip=VOLATILE_TABLES)
            response = client.post(path, data=payload)
            checked += 1
            if response.status_code != 403:
                failures.append(f"POST {path} as {role}: {response.status_code}")
            if snapshot(app, skip=VOLATILE_TABLES) != before:
                failures.append(f"POST {path} as {role} changed data")
    return failures, checked


def test_a_viewer_gets_403_for_every_write_and_nothing_changes(app):
    failures, checked = refused_writes(app, "viewer", OPEN_TO_EVERY_ROLE)

    assert failures == []
    assert checked >= 15


def test_a_member_gets_403_for_every_owner_route_and_nothing_changes(app):
    skip = OPEN_TO_EVERY_ROLE + ("/expenses", "/categories", "/budgets", "/imports", "/recurring")
    failures, checked = refused_writes(app, "member", skip)

    assert failures == []
    assert checked >= 5


def test_a_viewer_sees_no_write_buttons(app):
    alice, carol = make_user(app, "alice"), make_user(app, "carol")
    add_member(app, alice.id, carol.id, "viewer")
    objects = owned_objects(app, alice.id)
    client = app.test_client()
    login(client, carol)
    post_form(client, f"/ledgers/{alice.id}/switch", page="/")
    pages = ["/", "/expenses/", "/categories/", "/budgets/", "/expenses/trash"]
    pages += [f"/expenses/{objects['expense_id'][0]}", f"/budgets/{objects['budget_id'][0]}"]
    for page in pages:
        body = client.get(page).get_data(as_text=True)
        for write in ("/new", "/edit", "/delete", "/restore", "/import"):
            assert write not in body.replace("/ledgers/new", ""), (page, write)
