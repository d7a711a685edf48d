"""Calling the API as a script would: a test client with a bearer token (issue 16)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from .factories import UserInfo, make_api_token


@dataclass
class ApiClient:
    """A user's token on a test client; `call` sends it with every request."""

    client: FlaskClient
    user: UserInfo
    token: str

    @property
    def ledger(self) -> str:
        """The path of the user's personal ledger (its id is the user's)."""
        return f"/api/v1/ledgers/{self.user.id}"

    def call(self, method: str, path: str, **kwargs: Any):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any):
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any):
        return self.call("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.call("DELETE", path, **kwargs)


def api_client(app: Flask, user: UserInfo, scope: str = "read_write") -> ApiClient:
    _token_id, token = make_api_token(app, user.id, scope=scope)
    return ApiClient(app.test_client(), user, token)


def expense_body(category_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    """A valid new expense."""
    body = {
        "amount": "12.50",
        "date": "2026-03-04",
        "category_id": str(category_id),
        "description": "Lunch",
        "payment_method": "debit_card",
        "tags": ["work", "food"],
        "notes": "with a client",
        "private": False,
    }
    return {**body, **changes}
