"""One error handler: HTML pages in the layout, JSON under /health, problem+json under /api."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, jsonify, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .api.problems import is_api_request, problem_for, server_error
from .auth.attempt_limits import retry_after_seconds
from .auth.events import security_event
from .extensions import db

log = logging.getLogger(__name__)

HANDLED = (400, 403, 404, 405, 413, 429, 500)
TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Page not found",
    405: "Method not allowed",
    413: "Too large",
    429: "Too many requests",
    500: "Something went wrong",
}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)


def _render(code: int, message: str | None, request_id: str | None = None):
    """The error page for `code` in the layout (JSON under /health), with its status."""
    if request.path.startswith("/health"):
        return jsonify(status="error", error=TITLES.get(code, "error")), code
    if request_ctx.url_adapter is None:
        # The request never reached routing (an untrusted Host header): the
        # layout cannot build its links, so answer in plain text.
        return TITLES.get(code, "Error"), code, {"Content-Type": "text/plain; charset=utf-8"}
    template = f"errors/{code}.html" if code in HANDLED else "errors/generic.html"
    return (
        render_template(
            template,
            code=code,
            title=TITLES.get(code, "Error"),
            message=message,
            request_id=request_id,
        ),
        code,
    )


def _handle_http(exc: HTTPException):
    """Every HTTP error: a 500 goes to the unexpected-error path, others get their page."""
    if isinstance(exc, InternalServerError):
        return _handle_unexpected(exc.original_exception or exc)
    if is_api_request():
        return problem_for(exc)
    message = exc.description if isinstance(exc, CSRFError) else None
    if isinstance(exc, CSRFError):
        security_event("csrf_refused", level=logging.WARNING)
    if exc.code == 400 and message is None:
        message = exc.description
    response = _render(exc.code or 500, message)
    if exc.code == 405 and exc.valid_methods:
        body, code = response
        return body, code, {"Allow": ", ".join(exc.valid_methods)}
    if exc.code == 429:
        # Every 429 says when to come back (issue 15): RFC 6585 / RFC 9110 Retry-After.
        seconds = retry_after_seconds(exc)
        if seconds is not None:
            body, code = response
            return body, code, {"Retry-After": str(seconds)}
    return response


def _handle_unexpected(exc: BaseException):
    request_id = uuid.uuid4().hex[:12]
    db.session.rollback()
    log.error("unhandled error, request id %s", request_id, exc_info=exc)
    if is_api_request():
        return server_error()
    return _render(500, None, request_id)
