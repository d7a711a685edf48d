"""Errors under /api as `application/problem+json` (RFC 9457): the API's half of errors.py.

Every problem has `type`, `title`, `status` and `detail`; invalid input adds
`errors`, one list of messages per bad field (contract). The app's one error
handler (`errors.py`) sends every HTTP error of a path under /api here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_TYPE = "application/problem+json"
API_PATH = "/api/"
# Headers an error carries that the client needs: what is allowed, how to
# authenticate, when to come back.
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


class InvalidInput(HTTPException):
    """422 with `errors`: field name -> list of messages (raised by the API's validation)."""

    code = 422
    description = "Some values are not valid; `errors` says which and why."

    def __init__(self, errors: Mapping[str, Any], description: str | None = None) -> None:
        super().__init__(description)
        self.errors = dict(errors)


def is_api_request() -> bool:
    return request.path.startswith(API_PATH)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    errors: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A problem+json answer with `status`."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if errors is not None:
        body["errors"] = dict(errors)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    response.headers.extend(dict(headers or {}))
    return response


def field_errors(exc: HTTPException) -> dict[str, Any] | None:
    """The per-field messages of a validation error: ours, or webargs' (grouped by location,
    `{"json": {"amount": [...]}}`, which is flattened to the field names)."""
    if isinstance(exc, InvalidInput):
        return exc.errors
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if not isinstance(messages, Mapping):
        return None
    errors: dict[str, Any] = {}
    for location, found in messages.items():
        if isinstance(found, Mapping):
            errors.update({str(name): value for name, value in found.items()})
        else:
            errors[str(location)] = found
    return errors


def problem_for(exc: HTTPException) -> Response:
    """The problem answer for an HTTP error raised while serving the API."""
    status = exc.code or 500
    errors = field_errors(exc)
    if status == 400 and errors is not None:
        # webargs answers a body that is not JSON with 400: still invalid input.
        status = 422
    if status == 422 and errors is None:
        errors = {"request": [exc.description or "Invalid input."]}
    detail = exc.description or ""
    if status == 422:
        detail = InvalidInput.description
    headers = {name: value for name, value in exc.get_headers() if name in KEPT_HEADERS}
    title = HTTP_STATUS_CODES.get(status, exc.name)
    return problem(status, title, detail or title, errors=errors, headers=headers)


def server_error() -> Response:
    return problem(500, "Internal Server Error", "Something went wrong on our side.")
