"""The `api` blueprint at /api/v1 and what every operation shares: auth, error answers."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask_smorest import Blueprint

from .auth import authenticate
from .idempotency import HEADER, idempotent
from .problems import PROBLEM_TYPE
from .schemas import ProblemSchema

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Ledgers, categories, expenses, budgets and reports for scripts and apps; "
    "recurring rules and statement imports to read.",
)
bp.before_request(authenticate)

# The headers that come with some problems (see `problems.KEPT_HEADERS`).
PROBLEM_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "`Bearer`: how to authenticate.",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds until the token's limit resets.",
            "schema": {"type": "integer"},
        }
    },
}
# What any operation on a ledger may answer besides its own statuses.
COMMON = (401, 404, 429)
WRITES = (*COMMON, 403)


def problems(*statuses: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Document each of `statuses` as a problem+json answer of the decorated view."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        for status in statuses:
            view = bp.alt_response(
                status,
                schema=ProblemSchema,
                description=HTTPStatus(status).phrase,
                content_type=PROBLEM_TYPE,
                headers=PROBLEM_HEADERS.get(status),
            )(view)
        return view

    return decorate


IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "Sent again with the same key within 24 hours, the POST answers as the "
    "first time and creates nothing more.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def idempotent_post(view: Callable[..., Any]) -> Callable[..., Any]:
    """`idempotency.idempotent`, with its header in the document."""
    return bp.doc(parameters=[IDEMPOTENCY_PARAMETER])(idempotent(view))
