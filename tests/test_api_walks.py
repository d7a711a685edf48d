"""Walks over every API route of the URL map (issue 16): the pages' walks leave /api/v1 out
(tests/url_map.py), because the API answers bearer tokens only: 401 without one, 404 for
another user's ids, 403 for a viewer's or a read token's writes, nothing changed."""

from __future__ import annotations

import itertools
import re

from flask import Flask

from .api_client import ApiClient, api_client, expense_body
from .factories import UserInfo, add_member, category_id, make_user
from .url_map import STATE_CHANGING, api_routes, owned_objects, placeholder_values, snapshot

VOLATILE_TABLES = ("user_sessions", "rate_limit_counters", "api_tokens", "api_idempotency_keys")
OPEN = {"api.openapi_json"}


def bodies(app: Flask, ledger_owner: UserInfo) -> dict[str, dict]:
    """A valid body for each resource, so a write that skipped a check would succeed."""
    food = category_id(app, ledger_owner.id, "Food")
    return {
        "categories": {"name": "Hijacked"},
        "expenses": expense_body(food, description="Hijacked"),
        "budgets": {"amount": "1", "period": "weekly", "start_date": "2026-01-01"},
    }


def body_for(rule: str, samples: dict[str, dict]) -> dict:
    resource = re.search(r"/(categories|expenses|budgets)", rule)
    return samples.get(resource.group(1), {}) if resource else {}


def walk(
    app: Flask,
    caller: ApiClient,
    objects: dict,
    samples: dict,
    methods: set[str],
    *,
    ids_needed: frozenset[str] = frozenset(),
):
    """Send each of `methods` to every API route (taking at least one of `ids_needed`, when
    given) with `objects` as its ids: yield (label, response, whether the data changed)."""
    for route in api_routes(app):
        if route.endpoint in OPEN or (ids_needed and not ids_needed & set(route.id_arguments)):
            continue
        ids = route.id_arguments
        for method in sorted(route.methods & methods):
            for combination in itertools.product(*(objects[name] for name in ids)):
                values = {**placeholder_values(route), **dict(zip(ids, combination, strict=True))}
                path = route.build(values)
                before = snapshot(app, skip=VOLATILE_TABLES)
                response = caller.call(method, path, json=body_for(route.rule, samples))
                yield f"{method} {path}", response, snapshot(app, skip=VOLATILE_TABLES) != before


def wrong_answers(walked, expected: int, who: str) -> tuple[list[str], int]:
    """The walk's answers other than `expected` problem+json, and its writes that changed
    data, as readable lines; and how many requests it made."""
    failures, checked = [], 0
    for label, response, changed in walked:
        checked += 1
        if response.status_code != expected or response.content_type != "application/problem+json":
            failures.append(f"{label} as {who}: {response.status_code}")
        if changed:
            failures.append(f"{label} as {who} changed data")
    return failures, checked


def test_every_api_route_without_a_token_answers_401_problem(app):
    alice = make_user(app, "alice")
    objects = owned_objects(app, alice.id)
    anonymous = ApiClient(app.test_client(), alice, "")
    walked = walk(app, anonymous, objects, bodies(app, alice), {"GET", *STATE_CHANGING})
    failures, checked = wrong_answers(walked, 401, "nobody")
    assert failures == []
    assert checked >= 15


def test_another_users_token_gets_404_for_every_id_and_changes_nothing(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    objects = owned_objects(app, alice.id)
    bob_api = api_client(app, bob)
    samples = bodies(app, bob)
    failures, checked = [], 0
    object_ids = frozenset(objects) - {"ledger_id"}
    # Alice's ledger in the path, then Bob's own ledger with Alice's object ids.
    for ledger, needed in ((alice.id, frozenset(objects)), (bob.id, object_ids)):
        ids = {**objects, "ledger_id": [ledger]}
        methods = {"GET", *STATE_CHANGING}
        walked = walk(app, bob_api, ids, samples, methods, ids_needed=needed)
        wrong, count = wrong_answers(walked, 404, "Bob")
        failures, checked = failures + wrong, checked + count
    assert failures == []
    assert checked >= 20


def test_a_viewers_and_a_read_tokens_writes_answer_403_and_change_nothing(app):
    alice, viewer = make_user(app, "alice"), make_user(app, "viewer")
    add_member(app, alice.id, viewer.id, "viewer")
    objects = owned_objects(app, alice.id)
    objects["expense_id"] = objects["expense_id"][:1]
    samples = bodies(app, alice)
    failures, checked = [], 0
    for caller in (api_client(app, viewer), api_client(app, alice, scope="read")):
        walked = walk(app, caller, objects, samples, set(STATE_CHANGING))
        wrong, count = wrong_answers(walked, 403, caller.user.username)
        failures, checked = failures + wrong, checked + count
    assert failures == []
    assert checked >= 18


def test_a_viewers_writes_answer_403_whatever_the_body(app):
    alice, viewer = make_user(app, "alice"), make_user(app, "viewer")
    add_member(app, alice.id, viewer.id, "viewer")
    objects = owned_objects(app, alice.id)
    objects["expense_id"] = objects["expense_id"][:1]
    # Empty, of the wrong type, or with an unknown field: 403 as for a valid body.
    for samples in ({}, {name: [1] for name in bodies(app, alice)}, {"expenses": {"x": 1}}):
        walked = walk(app, api_client(app, viewer), objects, samples, set(STATE_CHANGING))
        for label, response, changed in walked:
            assert response.status_code == 403 and not changed, (label, response.get_json())


def test_a_viewer_and_a_read_token_can_read_everything(app):
    alice, viewer = make_user(app, "alice"), make_user(app, "viewer")
    add_member(app, alice.id, viewer.id, "viewer")
    objects = owned_objects(app, alice.id)
    objects["expense_id"] = objects["expense_id"][:1]
    for caller in (api_client(app, viewer), api_client(app, alice, scope="read")):
        statuses = {
            label: response.status_code
            for label, response, _ in walk(app, caller, objects, {}, {"GET"})
        }
        assert set(statuses.values()) == {200}, statuses


def openapi_operations(document: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_the_openapi_document_lists_every_api_route_and_nothing_else(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    routed = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.rule))
        for route in api_routes(app)
        for method in route.methods
    }

    assert openapi_operations(document) == routed
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
