import pytest
from sqlalchemy import func, select

from expenses_app.categories.services import DEFAULT_CATEGORIES
from expenses_app.extensions import db
from expenses_app.models import Category, User

from .conftest import post_form
from .factories import make_user

GOOD = "correct horse battery staple"


def register(client, **fields):
    data = {
        "email": "alice@example.com",
        "username": "alice",
        "password": GOOD,
        "confirm": GOOD,
        "full_name": "Alice Example",
    }
    data.update(fields)
    return post_form(client, "/auth/register", data)


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_register_logs_in_gives_default_categories_and_redirects_home(app, client):
    response = register(client, email="  Alice@Example.COM ", username=" Alice ")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "alice@example.com"
        assert user.username == "Alice"
        assert user.username_key == "alice"
        assert user.full_name == "Alice Example"
        assert user.password_hash.startswith("$argon2id$")
        names = set(db.session.scalars(select(Category.name).where(Category.ledger_id == user.id)))
    assert names == {default.name for default in DEFAULT_CATEGORIES}


def test_register_page_renders_the_contract_fields(client):
    html = client.get("/auth/register").get_data(as_text=True)
    for name in ("email", "username", "password", "confirm", "full_name"):
        assert f'name="{name}"' in html
    assert 'type="password"' in html
    assert "onpaste" not in html


@pytest.mark.parametrize(
    "fields",
    [
        {"email": "ALICE@example.com", "username": "other"},
        {"email": "other@example.com", "username": "ALICE"},
    ],
    ids=["email", "username"],
)
def test_duplicate_email_or_username_in_other_case_is_a_form_error(app, client, fields):
    make_user(app, "alice", email="alice@example.com")

    response = register(client, **fields)

    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True) or "taken" in response.get_data(
        as_text=True
    )
    assert user_count(app) == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short7!", "at least 8"),
        ("password1234", "too common"),
        ("QWERTYUIOP", "too common"),
        ("x" * 129, "at most 128"),
        ("alice@example.com", "username or email"),
        ("alice-the-user", "username or email"),
    ],
)
def test_weak_short_common_and_personal_passwords_are_refused(app, client, password, message):
    response = register(client, username="alice-the-user", password=password, confirm=password)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert user_count(app) == 0


@pytest.mark.parametrize(
    "password",
    [
        "twelve chars",
        "a" * 7 + "Z",
        "x" * 128,
        "пароль-для-теста",
        "🔐🔐🔐🔐🔐🔐🔐🔐",
        "alllowercaseletters",
    ],
)
def test_any_long_enough_uncommon_password_is_accepted_without_composition_rules(
    app, client, password
):
    response = register(client, password=password, confirm=password)

    assert response.status_code == 302
    assert user_count(app) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"username": "ab"},
        {"username": "a" * 33},
        {"username": "bad name"},
        {"username": "<script>"},
        {"email": "not-an-email"},
        {"email": ""},
        {"confirm": "something else entirely"},
    ],
)
def test_invalid_registration_input_is_a_form_error(app, client, fields):
    response = register(client, **fields)

    assert response.status_code == 422
    assert user_count(app) == 0


def test_registration_race_on_the_unique_key_is_a_form_error(app, client, monkeypatch):
    make_user(app, "alice", email="first@example.com")
    # The other registration commits between our validation and our commit.
    monkeypatch.setattr("expenses_app.auth.forms.username_taken", lambda username: False)

    response = register(client, email="second@example.com", username="ALICE")

    assert response.status_code == 422
    assert "just taken" in response.get_data(as_text=True)
    assert user_count(app) == 1


def test_logged_in_user_visiting_register_goes_to_the_dashboard(client, logged_in):
    response = client.get("/auth/register")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
