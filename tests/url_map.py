"""The app's routes, read from `app.url_map`, with sample URLs for each.

Route-walking tests (access, CSRF, isolation) use these so that a route added
later is covered without anyone remembering to list it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from expenses_app.extensions import db
from expenses_app.models import LedgerInvite, Tag
from expenses_app.tokens import new_token, token_hash

from .factories import (
    make_api_token,
    make_budget,
    make_category,
    make_expense,
    make_import,
    make_import_profile,
    make_login_session,
    make_receipt,
    make_rule,
)

# Endpoints anyone may reach without logging in, each for a reason:
PUBLIC_ENDPOINTS = {
    "auth.login",  # the way in
    "auth.register",  # the other way in
    "static",  # CSS and icons, no user data
    "health.health",  # liveness probe for the process manager
    "health.health_db",  # readiness probe
    "two_factor.verify",  # the second step of a login, before any session exists (issue 15)
    "password_reset.forgot",  # asking for a reset link: the user cannot log in (issue 15)
    "password_reset.reset",  # the link itself is the proof (one-time token, issue 15)
}
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
# The API (issue 16) takes only bearer tokens: no session cookie, so no login
# redirect and no CSRF token (it answers 401 instead). `routes()` leaves its
# rules out of the pages' walks; tests/test_api_walks.py walks `api_routes()`
# with tokens (401, another user's 404, a viewer's and a read token's 403).
API_PREFIX = "/api/v1/"
_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    endpoint: str
    rule: str
    methods: frozenset[str]
    # argument name -> converter name ("default" for a plain <name>)
    arguments: Mapping[str, str]

    @property
    def id_arguments(self) -> list[str]:
        return [name for name, converter in self.arguments.items() if converter == "uuid"]

    def build(self, values: Mapping[str, object]) -> str:
        def replace(match: re.Match) -> str:
            return str(values[match.group("name")])

        return _ARGUMENT.sub(replace, self.rule)

    def __str__(self) -> str:
        return f"{self.endpoint} {self.rule}"


def routes(app: Flask) -> Iterator[Route]:
    """The pages' routes: every rule but the API's (see API_PREFIX)."""
    return (route for route in all_routes(app) if not route.rule.startswith(API_PREFIX))


def api_routes(app: Flask) -> Iterator[Route]:
    return (route for route in all_routes(app) if route.rule.startswith(API_PREFIX))


def all_routes(app: Flask) -> Iterator[Route]:
    for rule in app.url_map.iter_rules():
        arguments = {
            match.group("name"): match.group("converter") or "default"
            for match in _ARGUMENT.finditer(rule.rule)
        }
        methods = frozenset(rule.methods or ()) - {"HEAD", "OPTIONS"}
        yield Route(rule.endpoint, rule.rule, methods, arguments)


def placeholder_values(route: Route) -> dict[str, object]:
    """Arguments that satisfy each converter (ids that belong to no one)."""
    samples: dict[str, Callable[[], object]] = {
        "uuid": uuid.uuid4,
        "int": lambda: 1,
        "float": lambda: 1.0,
        "default": lambda: "sample",
        "string": lambda: "sample",
        "path": lambda: "sample",
    }
    return {name: samples[converter]() for name, converter in route.arguments.items()}


def snapshot(app: Flask, *, skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table, to prove a request changed nothing."""
    with app.app_context():
        return {
            table.name: sorted(
                (tuple(str(value) for value in row) for row in db.session.execute(select(table))),
            )
            for table in db.metadata.sorted_tables
            if table.name not in skip
        }


def make_invite(app: Flask, ledger_id: uuid.UUID, role: str = "member") -> uuid.UUID:
    """An open invitation to `ledger_id` (its token is not kept: the link is not needed)."""
    with app.app_context():
        invite = LedgerInvite(
            ledger_id=ledger_id,
            role=role,
            token_hash=token_hash(new_token()),
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=7),
        )
        db.session.add(invite)
        db.session.commit()
        return invite.id


def owned_objects(app: Flask, user_id: uuid.UUID) -> dict[str, list[uuid.UUID]]:
    """One of each kind of object in `user_id`'s personal ledger, by the URL argument that
    names it (the ledger itself, its member `user_id`, an invitation among them).

    A route argument missing here makes the isolation test fail: add the new
    kind of object here (with the factories) when you add such a route.
    """
    category = make_category(app, user_id, "Isolated")
    expense = make_expense(app, user_id, category=category, tags=("isolated",))
    trashed = make_expense(app, user_id, category=category, deleted=True)
    receipt = make_receipt(app, user_id, expense)
    budget = make_budget(app, user_id, category="Isolated")
    with app.app_context():
        tag = db.session.scalar(select(Tag.id).where(Tag.ledger_id == user_id))
    return {
        "category_id": [category],
        # A trashed expense too: trash routes (restore) load only those.
        "expense_id": [expense, trashed],
        "receipt_id": [receipt],
        "budget_id": [budget],
        "tag_id": [tag],
        "ledger_id": [user_id],
        "user_id": [user_id],
        "invite_id": [make_invite(app, user_id)],
        "session_id": [make_login_session(app, user_id)],  # issue 15
        "token_id": [make_api_token(app, user_id)[0]],
        "import_id": [make_import(app, user_id)],  # issue 13
        "profile_id": [make_import_profile(app, user_id)],  # issue 13
        "rule_id": [make_rule(app, user_id, category="Isolated")],  # issue 14
    }
