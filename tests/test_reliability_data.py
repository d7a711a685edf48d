"""Data-integrity rules that the multi-process tests found broken, pinned down in-process."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from expenses_app.expenses import services
from expenses_app.extensions import db
from expenses_app.form_base import AppForm
from expenses_app.models import Tag

from .conftest import login, post_form
from .factories import make_expense, make_user
from .url_map import snapshot


def test_a_tag_another_request_added_meanwhile_is_reused_not_a_500(app, monkeypatch):
    # Under gunicorn on PostgreSQL two saves with the same new tag both missed it
    # on their SELECT; the second INSERT then broke the unique name (a 500).
    user = make_user(app)
    make_expense(app, user.id, tags=("load",))
    real_lookup = services._tags_by_key
    lookups = []

    def missed_on_first_lookup(ledger_id, keys):
        lookups.append(list(keys))
        return {} if len(lookups) == 1 else real_lookup(ledger_id, keys)

    monkeypatch.setattr(services, "_tags_by_key", missed_on_first_lookup)
    with app.app_context():
        tags = services.resolve_tags(user.id, ["Load", "fresh"])
        db.session.commit()
        assert [tag.name for tag in tags] == ["load", "fresh"]
        count = select(func.count()).select_from(Tag).where(Tag.ledger_id == user.id)
        assert db.session.scalar(count) == 2


def all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= all_subclasses(sub)
    return found


def test_every_form_of_the_app_refuses_control_characters(app):
    forms = {cls for cls in all_subclasses(FlaskForm) if cls.__module__.startswith("expenses_app")}
    assert forms, "no forms found"
    assert {cls for cls in forms if not issubclass(cls, AppForm)} == set()


@pytest.mark.parametrize(
    ("url", "data", "anonymous"),
    [
        ("/auth/login", {"login": "user\x00", "password": "whatever it is"}, True),
        ("/auth/register", {"email": "n@example.com", "username": "nul\x00"}, True),
        (
            "/auth/account",
            {"form_name": "profile", "full_name": "a\x00b", "email": "x@y.org"},
            False,
        ),
        ("/categories/new", {"name": "Food", "color": "#123456", "description": "\x00"}, False),
    ],
)
def test_a_nul_character_is_a_form_error_on_every_database(app, client, url, data, anonymous):
    user = make_user(app)
    if not anonymous:
        login(client, user)
    before = snapshot(app, skip=("rate_limit_counters", "user_sessions"))
    response = post_form(client, url, data, page=None if anonymous else "/categories/new")
    assert response.status_code == 422
    assert "Remove the control characters" in response.get_data(as_text=True)
    assert snapshot(app, skip=("rate_limit_counters", "user_sessions")) == before
