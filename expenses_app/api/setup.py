"""Binding the API to an app: flask-smorest's `Api`, the OpenAPI document, CSRF exemption."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_smorest import Api

from ..extensions import csrf
from .blueprint import bp
from .problems import PROBLEM_TYPE
from .schemas import ProblemSchema

BEARER = {"type": "http", "scheme": "bearer", "description": "A personal access token."}
JSON = "application/json"


class ProblemApi(Api):
    """flask-smorest's Api, documenting errors as problem+json; the app's one error handler
    (`errors.py`) answers them, so this registers none of its own."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        return None


def register_api(app: Flask) -> None:
    """Register the `api` blueprint with its documentation; bearer tokens only, so no CSRF."""
    app.config.setdefault("API_TITLE", "Expense tracker API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    api = ProblemApi(
        app,
        spec_kwargs={
            "components": {"securitySchemes": {"bearerAuth": BEARER}},
            "security": [{"bearerAuth": []}],
        },
    )
    api.register_blueprint(bp)
    csrf.exempt(bp)
    app.extensions["api_v1"] = api


def _as_problems(responses: dict[str, Any], *, every: bool = False) -> None:
    """Error answers are problem+json, also those flask-smorest documents on its own (422):
    the answers with a status from 400 up, or `every` one (its shared error responses)."""
    for status, response in responses.items():
        content = response.get("content") if isinstance(response, dict) else None
        is_error = every or (status.isdigit() and int(status) >= 400)
        if is_error and content and JSON in content:
            content[PROBLEM_TYPE] = content.pop(JSON)


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3 document of the current app's API."""
    document = current_app.extensions["api_v1"].spec.to_dict()
    _as_problems(document.get("components", {}).get("responses", {}), every=True)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                _as_problems(operation["responses"])
    return document
