"""API authentication: bearer tokens only, and the token pages (issue 16)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from expenses_app.extensions import db
from expenses_app.models import ApiToken, Category, UserSession, utcnow

from .api_client import api_client
from .conftest import login, post_form
from .factories import DEFAULT_PASSWORD, make_api_token, make_user

NEW_TOKEN = re.compile(r'id="new-token">([^<]+)<')


def test_a_valid_token_answers_me(app):
    api = api_client(app, make_user(app, "alice"))

    response = api.get("/api/v1/me")

    assert response.status_code == 200
    assert response.get_json() == {
        "id": str(api.user.id),
        "username": "alice",
        "email": "alice@example.com",
    }


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer 12345678.wrong-secret"],
)
def test_a_missing_or_garbage_token_answers_401_problem(app, header):
    make_user(app)
    headers = {"Authorization": header} if header else {}

    response = app.test_client().get("/api/v1/me", headers=headers)

    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.get_json()["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_a_revoked_or_expired_token_answers_401(app, state):
    user = make_user(app)
    _, token = make_api_token(app, user.id, **{state: True})

    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401


def test_a_token_with_a_right_prefix_and_a_wrong_secret_answers_401(app):
    user = make_user(app)
    _, token = make_api_token(app, user.id)
    prefix = token.split(".")[0]

    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {prefix}.x"})

    assert response.status_code == 401


def test_a_session_cookie_alone_answers_401(app, client):
    user = make_user(app)
    login(client, user)

    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    assert client.get(f"/api/v1/ledgers/{user.id}/expenses").status_code == 401


def test_a_post_with_a_session_cookie_and_no_token_is_refused_and_creates_nothing(app, client):
    user = make_user(app)
    login(client, user)

    response = client.post(f"/api/v1/ledgers/{user.id}/categories", json={"name": "Sneaky"})

    assert response.status_code == 401
    with app.app_context():
        assert "Sneaky" not in set(db.session.scalars(select(Category.name)))


def test_the_token_page_creates_a_token_shown_once_that_works(app, client):
    user = make_user(app)
    login(client, user)

    response = post_form(
        client,
        "/auth/tokens",
        {"name": "Phone", "scope": "read", "expires": "30d"},
    )

    assert response.status_code == 200
    token = NEW_TOKEN.search(response.get_data(as_text=True)).group(1)
    listing = client.get("/auth/tokens").get_data(as_text=True)
    assert "Phone" in listing and token not in listing and 'id="new-token"' not in listing
    api = app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.scope == "read" and row.secret_hash not in token
        assert dt.timedelta(days=29) < row.expires_at - row.created_at <= dt.timedelta(days=30)


@pytest.mark.parametrize(
    "field, value", [("scope", "admin"), ("expires", "5y"), ("name", " "), ("scope", "")]
)
def test_a_bad_token_field_is_a_form_error_and_creates_nothing(app, client, field, value):
    user = make_user(app)
    login(client, user)
    data = {"name": "Phone", "scope": "read", "expires": "1y", field: value}

    response = post_form(client, "/auth/tokens", data)

    assert response.status_code == 422
    assert 'id="new-token"' not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def _age_the_login(app, minutes: int) -> None:
    with app.app_context():
        db.session.execute(
            update(UserSession).values(created_at=utcnow() - dt.timedelta(minutes=minutes))
        )
        db.session.commit()


def test_a_login_older_than_ten_minutes_must_give_the_password_to_create_a_token(app, client):
    """A token outlives the session: an unlocked browser left logged in cannot mint one."""
    user = make_user(app)
    login(client, user)
    assert 'name="password"' not in client.get("/auth/tokens").get_data(as_text=True)
    _age_the_login(app, 11)
    fields = {"name": "Phone", "scope": "read", "expires": "1y"}

    for password in (None, "wrong password"):
        data = fields | ({"password": password} if password else {})
        refused = post_form(client, "/auth/tokens", data)
        assert refused.status_code == 422 and 'name="password"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None
    accepted = post_form(client, "/auth/tokens", fields | {"password": DEFAULT_PASSWORD})
    assert accepted.status_code == 200 and NEW_TOKEN.search(accepted.get_data(as_text=True))


def test_the_list_shows_each_tokens_scope_by_its_contract_value(app, client):
    user = make_user(app)
    make_api_token(app, user.id, scope="read_write")
    login(client, user)

    html = client.get("/auth/tokens").get_data(as_text=True)

    assert 'data-scope="read_write"' in html and "<code>read_write</code>" in html


def test_a_revoked_token_stops_working_and_another_users_token_is_404(app, client):
    user, other = make_user(app), make_user(app)
    token_id, token = make_api_token(app, user.id)
    others_id, others = make_api_token(app, other.id)
    login(client, user)

    assert (
        post_form(client, f"/auth/tokens/{others_id}/revoke", page="/auth/tokens").status_code
        == 404
    )
    response = post_form(client, f"/auth/tokens/{token_id}/revoke", page="/auth/tokens")

    assert response.status_code == 302
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    headers = {"Authorization": f"Bearer {others}"}
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200


def test_changing_the_password_revokes_every_token(app, client):
    user = make_user(app)
    _, token = make_api_token(app, user.id)
    login(client, user)

    response = post_form(
        client,
        "/auth/account",
        {
            "form_name": "password",
            "current_password": user.password,
            "new_password": "a brand new long passphrase",
            "confirm": "a brand new long passphrase",
        },
    )

    assert response.status_code == 302
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401


def test_the_token_page_warns_about_a_token_expiring_within_14_days(app, client):
    user = make_user(app)
    token_id, _ = make_api_token(app, user.id, expires="30d")
    login(client, user)
    assert "token-expiring" not in client.get("/auth/tokens").get_data(as_text=True)
    with app.app_context():
        row = db.session.get(ApiToken, token_id)
        row.expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=13)
        db.session.commit()

    page = client.get("/auth/tokens").get_data(as_text=True)

    assert "token-expiring" in page and "test token" in page


def test_last_used_is_written_at_most_once_a_minute(app):
    api = api_client(app, make_user(app))

    api.get("/api/v1/me")
    with app.app_context():
        first = db.session.scalar(select(ApiToken.last_used_at))
    api.get("/api/v1/me")
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) == first
        assert first is not None
