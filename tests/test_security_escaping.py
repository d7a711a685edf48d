"""Stored HTML and script are shown as text on every page that shows them
(RELIABILITY E1). Data comes from the factories, and the pages come from
`app.url_map`, so pages added later are covered too."""

from __future__ import annotations

import itertools

from sqlalchemy import update

from expenses_app.extensions import db
from expenses_app.models import Category, Receipt

from .conftest import login, post_form
from .factories import make_category, make_expense, make_user
from .url_map import owned_objects, placeholder_values, routes

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
QUOTE = "' onmouseover=alert(1) x='"
TEXTAREA = "</textarea><svg onload=alert(1)>"
TEMPLATE = "SENTINEL{{7*7}}"
RAW = (SCRIPT, "<img src=x onerror=alert(1)>", QUOTE, "<svg onload=alert(1)>", "SENTINEL49")
ALL = " ".join((SCRIPT, BREAKOUT, QUOTE, TEXTAREA, TEMPLATE))


def assert_escaped(html: str, where: str) -> None:
    leaked = [raw for raw in RAW if raw in html]
    assert leaked == [], f"{where} shows {leaked}"


def hostile_user(app):
    user = make_user(app, SCRIPT)
    objects = owned_objects(app, user.id)
    category = make_category(app, user.id, BREAKOUT)
    with app.app_context():
        db.session.execute(
            update(Category).where(Category.ledger_id == user.id).values(description=ALL)
        )
        db.session.execute(
            update(Receipt).where(Receipt.ledger_id == user.id).values(filename=SCRIPT + QUOTE)
        )
        db.session.commit()
    make_expense(
        app,
        user.id,
        category=category,
        description=ALL[:200],
        notes=ALL,
        tags=(TEXTAREA, QUOTE.strip()),
    )
    return user, objects


def test_hostile_text_is_escaped_on_every_page(app, client):
    user, objects = hostile_user(app)
    login(client, user)
    pages = 0
    for route in routes(app):
        if "GET" not in route.methods or route.endpoint == "static":
            continue
        ids = route.id_arguments
        if any(name not in objects for name in ids):
            continue  # test_isolation fails for such a route already
        for combination in itertools.product(*(objects[name] for name in ids)):
            path = route.build(
                {**placeholder_values(route), **dict(zip(ids, combination, strict=True))}
            )
            with client.get(path) as response:
                if response.mimetype != "text/html":
                    continue
                html = response.get_data(as_text=True)
            pages += 1
            assert_escaped(html, path)
            if response.status_code == 200:
                # The username is in the navigation of every logged-in page.
                assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    assert pages >= 6


def test_hostile_form_input_is_escaped_when_the_form_comes_back(app, client):
    login_page = post_form(client, "/auth/login", {"login": BREAKOUT + TEMPLATE, "password": "x"})
    register_page = post_form(
        client,
        "/auth/register",
        {"email": BREAKOUT, "username": SCRIPT, "full_name": TEXTAREA, "password": "x"},
    )

    for response in (login_page, register_page):
        assert response.status_code == 422
        assert_escaped(response.get_data(as_text=True), response.request.path)
    assert "&#34;&gt;&lt;img" in login_page.get_data(as_text=True)


def test_hostile_profile_name_is_escaped_on_the_account_page(app, client):
    user = make_user(app, "alice")
    login(client, user)
    post_form(client, "/auth/account", {"full_name": TEXTAREA + QUOTE, "email": user.email})

    html = client.get("/auth/account").get_data(as_text=True)

    assert_escaped(html, "/auth/account")
    assert "&lt;/textarea&gt;" in html
