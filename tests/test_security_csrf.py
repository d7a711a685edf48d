"""CSRF on every state-changing route, walked from `app.url_map`."""

from __future__ import annotations

import itertools
import uuid

from .conftest import csrf_token, login
from .factories import make_user
from .test_isolation import PAYLOAD, VOLATILE_TABLES
from .url_map import STATE_CHANGING, owned_objects, placeholder_values, routes, snapshot


def test_every_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    objects = owned_objects(app, alice.id)
    client, other = app.test_client(), app.test_client()
    pre_login_token = csrf_token(client)
    login(client, alice)
    login(other, bob)
    bad_tokens = {
        "no token": None,
        "another session's token": csrf_token(other, "/"),
        "the token from before login": pre_login_token,
        "garbage": "not-a-token",
    }
    failures, checked = [], 0
    for route in routes(app):
        for method in sorted(route.methods & set(STATE_CHANGING)):
            ids = route.id_arguments
            # An id the sample data lacks still gets a request: the token is
            # checked before the object is looked up.
            choices = [objects.get(name) or [uuid.uuid4()] for name in ids]
            for combination in itertools.product(*choices):
                values = {**placeholder_values(route), **dict(zip(ids, combination, strict=True))}
                path = route.build(values)
                for label, token in bad_tokens.items():
                    data = dict(PAYLOAD, csrf_token=token) if token else dict(PAYLOAD)
                    before = snapshot(app, skip=VOLATILE_TABLES)
                    response = client.open(path, method=method, data=data)
                    checked += 1
                    if response.status_code != 400:
                        failures.append(f"{method} {path} with {label}: {response.status_code}")
                    if snapshot(app, skip=VOLATILE_TABLES) != before:
                        failures.append(f"{method} {path} with {label} changed data")
    assert failures == []
    assert checked >= 4 * 4
    assert client.get("/").status_code == 200


def test_a_valid_token_is_accepted(app, client, user):
    token = csrf_token(client)
    response = client.post(
        "/auth/login", data={"login": user.username, "password": user.password, "csrf_token": token}
    )
    assert response.status_code == 302


def test_a_refused_csrf_token_is_logged_as_a_security_event(client, caplog):
    client.post("/auth/login", data={"login": "x", "password": "y"})

    assert "security event=csrf_refused" in caplog.text
