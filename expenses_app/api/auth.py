"""Who calls the API: a bearer token, never the session cookie (so CSRF does not apply).

Before every API view the token is checked (401 when missing, unknown,
revoked or expired), counted against its rate limit (429), and its user
becomes the request's `current_user` for the scoping door: an `ApiUser`
whose current ledger is the one the path names (404 when the user is not a
member there). A `read` token's writes answer 403, as do a viewer's (here,
before the body is validated, and again in `scoping.writable_scope`).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from flask import abort, current_app, g, request
from limits import parse
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, TooManyRequests, Unauthorized

from ..auth import limiter_storage
from ..auth.api_tokens import note_use, token_for
from ..extensions import db, limiter
from ..models import ApiToken, User
from ..scoping import scope_in

READS = ("GET", "HEAD", "OPTIONS")
# Endpoints that need no token: the API's description of itself.
OPEN_ENDPOINTS = frozenset({"api.openapi_json"})
RATE_LIMIT_NAMESPACE = "api-token"


@dataclass(frozen=True, slots=True)
class ApiUser:
    """The token's user as `current_user`, in the ledger the request's path names."""

    id: uuid.UUID
    username: str
    email: str
    ledger_id: uuid.UUID | None = None
    role: str | None = None
    # Flask-Login's protocol; the API never stores a login anywhere.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        raise RuntimeError("API requests have no login session")


def bearer_token() -> ApiToken | None:
    """The live token of the `Authorization: Bearer` header, or None."""
    scheme, _, text = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not text.strip():
        return None
    return token_for(text.strip())


def check_rate(token: ApiToken) -> None:
    """Count the request against the token's limit (config `API_RATE_LIMIT`); 429 past it.

    Flask-Limiter's strategy over its storage, the database shared by every
    worker (`auth/limiter_storage.py`), keyed by the token.
    """
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    item = parse(current_app.config["API_RATE_LIMIT"])
    strategy = limiter.limiter
    if strategy.hit(item, RATE_LIMIT_NAMESPACE, str(token.id)):
        return
    reset_at, _remaining = strategy.get_window_stats(item, RATE_LIMIT_NAMESPACE, str(token.id))
    wait = max(1, math.ceil(reset_at - limiter_storage.now()))
    raise TooManyRequests(f"Too many requests for this token; retry in {wait} s.", retry_after=wait)


def authenticate() -> None:
    """The API blueprint's `before_request`: see the module's docstring."""
    # Set first, so nothing in this request can fall back on the session cookie.
    g._login_user = current_app.login_manager.anonymous_user()
    if request.endpoint in OPEN_ENDPOINTS:
        return
    token = bearer_token()
    user = None if token is None else db.session.get(User, token.user_id)
    if token is None or user is None or not user.is_active:
        raise Unauthorized(
            "Send a valid API token as `Authorization: Bearer <token>`.",
            www_authenticate=WWWAuthenticate("Bearer", {"realm": "api"}),
        )
    caller, scope_name = ApiUser(user.id, user.username, user.email), token.scope
    note_use(token)
    # Ends the read as well: the rate limit writes on a connection of its own, and
    # on SQLite a transaction that began before that write could not write after it.
    db.session.commit()
    check_rate(token)
    g._login_user = caller
    ledger_id = (request.view_args or {}).get("ledger_id")
    if ledger_id is not None:
        # The door's own membership check; not a member: 404, as for any of its rows.
        scope = scope_in(ledger_id) or abort(404)
        g._login_user = ApiUser(caller.id, caller.username, caller.email, ledger_id, scope.role)
    if request.method not in READS and scope_name != "read_write":
        raise Forbidden("This token may only read.")
    # Before the body is read, as for a `read` token: a viewer's write is a 403 whatever it sends.
    if request.method not in READS and ledger_id is not None and not scope.can_write:
        raise Forbidden("A viewer of this ledger may only read.")
