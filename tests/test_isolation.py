"""Per-user isolation, checked over every route that takes an object id.

The routes come from `app.url_map`, so a route added later joins the test by
itself; a route whose id argument has no sample object here fails it.
"""

from __future__ import annotations

import itertools
import re
import uuid

from flask import Blueprint, Flask

from expenses_app import create_app
from expenses_app.extensions import db
from expenses_app.models import Expense

from .conftest import csrf_token, login
from .factories import category_id, make_user
from .url_map import owned_objects, placeholder_values, routes, snapshot

# Enough plausible fields that a route which forgot the owner check would
# succeed in changing the other user's object, not fail on validation.
PAYLOAD = {
    "name": "Hijacked",
    "color": "#000000",
    "icon": "x",
    "description": "Hijacked",
    "amount": "1.00",
    "date": "2026-01-01",
    "payment_method": "cash",
    "tags": "hijacked",
    "notes": "hijacked",
    "period": "monthly",
    "start_date": "2026-01-01",
    "end_date": "",
}
VOLATILE_TABLES = ("user_sessions", "rate_limit_counters")
# Flask-WTF signs each rendered token with the current second, so two otherwise
# identical pages differ in it when they straddle a second boundary.
CSRF_VALUE = re.compile(rb'(name="csrf_token"[^>]*value=")[^"]+"')


def without_csrf(body: bytes) -> bytes:
    return CSRF_VALUE.sub(rb'\1"', body)


def isolation_failures(app: Flask) -> tuple[list[str], int]:
    """(what went wrong, how many requests were checked) for user B against A's data."""
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    objects = owned_objects(app, alice.id)
    alice_client, bob_client = app.test_client(), app.test_client()
    login(alice_client, alice)
    login(bob_client, bob)
    payload = {**PAYLOAD, "category_id": category_id(app, bob.id, "Food")}
    payload["move_to"] = payload["category_id"]
    payload["csrf_token"] = csrf_token(bob_client, "/")
    failures: list[str] = []
    checked = 0
    for route in routes(app):
        ids = route.id_arguments
        if not ids:
            continue
        unknown = [name for name in ids if name not in objects]
        if unknown:
            failures.append(f"{route}: add a sample object for {unknown} to owned_objects()")
            continue
        alice_reached_one = "GET" not in route.methods
        for combination in itertools.product(*(objects[name] for name in ids)):
            path = route.build(
                {**placeholder_values(route), **dict(zip(ids, combination, strict=True))}
            )
            missing = route.build(placeholder_values(route))
            if "GET" in route.methods:
                with alice_client.get(path) as own:
                    alice_reached_one |= own.status_code != 404
                with bob_client.get(path) as foreign, bob_client.get(missing) as absent:
                    checked += 1
                    if foreign.status_code != 404:
                        failures.append(f"GET {path} ({route}) as B: {foreign.status_code}")
                    elif without_csrf(foreign.get_data()) != without_csrf(absent.get_data()):
                        failures.append(f"GET {path} ({route}): foreign 404 differs from missing")
            if "POST" in route.methods:
                before = snapshot(app, skip=VOLATILE_TABLES)
                response = bob_client.post(path, data=payload)
                checked += 1
                if response.status_code != 404:
                    failures.append(f"POST {path} ({route}) as B: {response.status_code}")
                if snapshot(app, skip=VOLATILE_TABLES) != before:
                    failures.append(f"POST {path} ({route}) as B changed data")
        if not alice_reached_one:
            failures.append(f"{route}: the owner gets 404 too, so the sample object is wrong")
    return failures, checked


def test_no_user_can_reach_another_users_objects_through_any_route(app):
    failures, _checked = isolation_failures(app)

    assert failures == []


def test_the_isolation_walk_catches_a_leaky_route_and_an_unknown_argument(app):
    leaky = build_app_with_leaks(app)
    try:
        failures, checked = isolation_failures(leaky)
    finally:
        with leaky.app_context():
            db.engine.dispose()

    assert checked >= 2
    assert any("leaks.show" in failure and "as B: 200" in failure for failure in failures)
    assert any("leaks.mystery" in failure and "widget_id" in failure for failure in failures)


def build_app_with_leaks(app: Flask) -> Flask:
    """The real app plus two bad routes: one skips the owner check, one takes
    an id the test has no sample for."""
    leaks = Blueprint("leaks", __name__, url_prefix="/leaks")

    @leaks.get("/<uuid:expense_id>")
    def show(expense_id: uuid.UUID):
        expense = db.session.get(Expense, expense_id)
        return expense.description if expense else ("missing", 404)

    @leaks.get("/mystery/<uuid:widget_id>")
    def mystery(widget_id: uuid.UUID):
        return "", 404

    leaky = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": False,
        }
    )
    leaky.register_blueprint(leaks)
    return leaky
