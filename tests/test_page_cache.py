"""The page cache (page_cache.py, migration 0007): repeated views skip the work, never the news.

The main test warms every cached page, then takes each write path the app
has (forms, import, CLI, cascades, restore, raw SQL) and checks that every
page then shows exactly what a fresh render shows.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import uuid
from collections.abc import Callable

import pytest
from flask import Flask, flash, render_template_string
from flask.testing import FlaskClient
from flask_login import login_required
from sqlalchemy import select, text, update

from expenses_app.extensions import db
from expenses_app.models import Expense, Tag, User, UserSession
from expenses_app.page_cache import EXTENSION, PageCache, cached_page

from .conftest import CSRF_RE, build_app, count_queries, login, post_form
from .factories import category_id, make_budget, make_expense, make_user

TODAY = dt.date.today()
ANY_TOKEN = "csrf-token-of-this-request"


def without_tokens(html: str) -> str:
    return CSRF_RE.sub(ANY_TOKEN, html)


def fresh_page(app: Flask, client: FlaskClient, path: str) -> str:
    """The page rendered with the cache switched off."""
    cache = app.extensions[EXTENSION]
    app.extensions[EXTENSION] = None
    try:
        response = client.get(path)
    finally:
        app.extensions[EXTENSION] = cache
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def statements_for(app: Flask, client: FlaskClient, path: str) -> int:
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def stale_pages(app: Flask, client: FlaskClient, paths: list[str]) -> dict[str, list[str]]:
    """Path → diff, for the pages (served from the cache when they can be) unlike fresh ones."""
    stale = {}
    for path in paths:
        served = client.get(path)
        assert served.status_code == 200, path
        old = without_tokens(served.get_data(as_text=True)).splitlines()
        new = without_tokens(fresh_page(app, client, path)).splitlines()
        if old != new:
            stale[path] = list(difflib.unified_diff(old, new, lineterm="", n=0))[2:12]
    return stale


def expense_form(category: uuid.UUID, amount: str, description: str, tags: str = "") -> dict:
    return {
        "amount": amount,
        "date": TODAY.isoformat(),
        "category_id": str(category),
        "description": description,
        "payment_method": "cash",
        "tags": tags,
        "notes": "",
    }


@pytest.fixture
def cache(app: Flask) -> PageCache:
    page_cache = app.extensions[EXTENSION]
    assert page_cache is not None, "the tests run with the page cache on"
    return page_cache


def test_a_repeated_view_runs_only_the_login_query(app, client, logged_in, cache):
    make_expense(app, logged_in.id, description="Lunch")
    for path in ("/", "/expenses/", "/budgets/", "/categories/", "/reports", "/expenses/trash"):
        first = statements_for(app, client, path)
        assert first > 1
        # The user and their session, in one statement: nothing of the page's own.
        assert statements_for(app, client, path) == 1, path


def test_every_write_path_shows_on_every_cached_page(
    app, client, runner, logged_in, cache, tmp_path
):
    food = category_id(app, logged_in.id, "Food")
    kept = make_expense(app, logged_in.id, description="Kept", tags=("weekly",))
    budget = make_budget(app, logged_in.id, category="Food")
    spare_budget = make_budget(app, logged_in.id, amount="5.00")
    paths = [
        "/",
        "/expenses/",
        "/expenses/?q=Bought&sort=amount",
        "/expenses/?sort=category",
        f"/expenses/{kept}",
        "/expenses/trash",
        "/categories/",
        "/budgets/",
        f"/budgets/{budget}",
        "/reports",
    ]
    backup = tmp_path / "before.zip"

    def form(url: str, data: dict | None = None, page: str | None = None, **kwargs) -> None:
        # Following the redirect shows (and so clears) the step's flashed message.
        response = post_form(client, url, data, page=page, follow_redirects=True, **kwargs)
        assert response.status_code == 200, (url, response.status_code)

    def newest() -> uuid.UUID:
        with app.app_context():
            return db.session.scalars(
                select(Expense.id).order_by(Expense.created_at.desc()).limit(1)
            ).one()

    def raw(statement) -> None:
        with app.app_context():
            db.session.execute(statement)
            db.session.commit()

    def cli(*args: str) -> None:
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output

    steps: list[tuple[str, Callable[[], None]]] = [
        ("new expense", lambda: form("/expenses/new", expense_form(food, "4.50", "Bought tea"))),
        ("backup (no change)", lambda: cli("backup", str(backup))),
        (
            "edit with a new tag",
            lambda: form(
                f"/expenses/{newest()}/edit", expense_form(food, "5.50", "Bought tea", "hot")
            ),
        ),
        (
            "receipt",
            lambda: form(
                f"/expenses/{kept}/edit",
                {
                    **expense_form(food, "12.50", "Kept", "weekly"),
                    "receipt": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "r.pdf"),
                },
                content_type="multipart/form-data",
            ),
        ),
        ("trash", lambda: form(f"/expenses/{newest()}/delete", page="/expenses/")),
        (
            "restore from trash",
            lambda: form(f"/expenses/{newest()}/restore", page="/expenses/trash"),
        ),
        ("new category", lambda: form("/categories/new", {"name": "Pets", "color": "#00aa00"})),
        (
            "rename category",
            lambda: form(f"/categories/{food}/edit", {"name": "Groceries", "color": "#ff0000"}),
        ),
        (
            "new budget",
            lambda: form(
                "/budgets/new",
                {"amount": "80.00", "period": "weekly", "start_date": TODAY.isoformat()},
            ),
        ),
        (
            "edit budget",
            lambda: form(
                f"/budgets/{budget}/edit",
                {
                    "amount": "95.00",
                    "period": "monthly",
                    "start_date": TODAY.replace(day=1).isoformat(),
                    "category_id": str(food),
                },
            ),
        ),
        (
            "import",
            lambda: form(
                "/expenses/import",
                {
                    "file": (
                        io.BytesIO(
                            b"date,amount,category,description,payment_method,tags,notes\n"
                            + f"{TODAY},3.00,Imported,Bought gum,cash,new-tag,\n".encode()
                        ),
                        "in.csv",
                    )
                },
                content_type="multipart/form-data",
            ),
        ),
        ("demo data", lambda: cli("demo-data", "--user", logged_in.username, "--expenses", "20")),
        (
            "raw SQL on an expense",
            lambda: raw(update(Expense).where(Expense.id == kept).values(description="Kept (raw)")),
        ),
        (
            "raw SQL on a tag",
            lambda: raw(update(Tag).where(Tag.ledger_id == logged_in.id).values(name="renamed")),
        ),
        ("raw SQL on a link", lambda: raw(text("DELETE FROM expense_tags"))),
        (
            "purge the trash",
            lambda: (
                form(f"/expenses/{kept}/delete", page="/expenses/"),
                cli("purge-trash", "--days", "0"),
            ),
        ),
        (
            "delete a category",
            lambda: form(
                f"/categories/{food}/delete",
                {"move_to": str(category_id(app, logged_in.id, "Pets"))},
                page="/categories/",
            ),
        ),
        ("delete a budget", lambda: form(f"/budgets/{spare_budget}/delete", page="/budgets/")),
        ("restore a backup", lambda: cli("restore", "--force", str(backup))),
    ]
    for name, step in steps:
        # These steps delete the expense or budget a page shows.
        gone = {"purge the trash": f"/expenses/{kept}", "delete a category": f"/budgets/{budget}"}
        paths = [path for path in paths if path != gone.get(name)]
        # Warm every page, then check that the step shows on each of them.
        for path in paths:
            client.get(path)
        step()
        assert stale_pages(app, client, paths) == {}, name
    assert len(cache) > 0


def test_a_page_with_flashed_messages_is_neither_served_nor_stored(app, client, logged_in, cache):
    client.get("/expenses/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this view only")]
    assert "A message for this view only" in client.get("/expenses/").get_data(as_text=True)
    again = client.get("/expenses/").get_data(as_text=True)
    assert "A message for this view only" not in again


def test_each_session_gets_its_own_csrf_token_in_a_cached_page(app, logged_in, cache):
    first, second = app.test_client(), app.test_client()
    login(first, logged_in)
    login(second, logged_in)
    first.get("/expenses/")
    assert statements_for(app, second, "/expenses/") == 1  # served from the cache
    page = second.get("/expenses/").get_data(as_text=True)
    token = next(m.group(1) or m.group(2) for m in CSRF_RE.finditer(page))
    # The token works for the session it was served to.
    assert second.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert second.get("/expenses/").status_code == 302  # logged out


@pytest.mark.parametrize("ending", ["revoked", "expired", "user disabled"])
def test_a_session_that_ends_is_refused_on_the_next_request_to_a_cached_page(
    app, client, logged_in, cache, monkeypatch, ending
):
    for _ in range(2):
        assert client.get("/expenses/").status_code == 200
    assert statements_for(app, client, "/expenses/") == 1  # served from the cache

    if ending == "expired":
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=12, minutes=1)
        monkeypatch.setattr("expenses_app.auth.sessions.utcnow", lambda: later)
    else:
        # As another worker would: a logout or password change elsewhere, an admin.
        change = (
            update(UserSession).values(revoked_at=dt.datetime.now(dt.UTC))
            if ending == "revoked"
            else update(User).values(is_active=False)
        )
        with app.app_context():
            db.session.execute(change)
            db.session.commit()

    response = client.get("/expenses/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_users_never_get_each_others_pages(app, logged_in, cache):
    other = make_user(app, "other")
    make_expense(app, logged_in.id, description="Mine only")
    mine, theirs = app.test_client(), app.test_client()
    login(mine, logged_in)
    login(theirs, other)
    assert "Mine only" in mine.get("/expenses/").get_data(as_text=True)
    assert "Mine only" not in theirs.get("/expenses/").get_data(as_text=True)


def test_a_new_day_renders_afresh(app, client, logged_in, cache, monkeypatch):
    client.get("/")
    assert statements_for(app, client, "/") == 1

    monkeypatch.setattr("expenses_app.clock.today", lambda: TODAY + dt.timedelta(days=1))
    assert statements_for(app, client, "/") > 1


def test_the_cache_forgets_the_least_recently_used_pages_first():
    cache = PageCache(max_bytes=800)

    def page(name: str) -> tuple[bytes, ...]:
        return (name.encode() * 60, name.encode() * 40)  # 100 bytes around a token

    for name in "abcd":
        cache.put((name,), page(name))
    assert cache.get(("a",)) == page("a")  # now the most recently used
    for name in "efgh":
        cache.put((name,), page(name))  # 800 of 800: all fit
    cache.put(("i",), page("i"))  # 900: "b", the least recently used, goes
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is not None
    cache.put(("huge",), (b"x" * 101,))  # more than an eighth of the space: not kept
    assert cache.get(("huge",)) is None


def test_a_zero_size_turns_the_cache_off(app):
    from expenses_app import create_app

    off = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PAGE_CACHE_BYTES": 0})
    assert off.extensions[EXTENSION] is None


def test_the_data_version_triggers_exist_at_the_newest_revision(app):
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        names = {name for name in db.session.scalars(text(query)) if "_data_version" in name}
    tables = {name.split("_data_version")[0] for name in names}
    assert tables == {
        "expenses",
        "categories",
        "budgets",
        "tags",
        "receipts",
        "expense_tags",
        "ledger_members",
        "ledgers",
        "users",
        "recurring_rules",  # issue 14
        "recurring_occurrences",
    }


def test_a_user_row_change_the_pages_show_changes_the_version(app, user):
    with app.app_context():
        before = db.session.scalar(text("SELECT data_version FROM users"))
        db.session.execute(text("UPDATE users SET last_login_at = NULL"))
        db.session.commit()
        unchanged = db.session.scalar(text("SELECT data_version FROM users"))
        db.session.execute(text("UPDATE users SET username = 'renamed'"))
        db.session.commit()
        after = db.session.scalar(text("SELECT data_version FROM users"))
    assert before == unchanged
    assert after != before


def test_a_page_from_the_cache_carries_the_same_headers(app, client, logged_in, cache):
    rendered = client.get("/expenses/")
    assert statements_for(app, client, "/expenses/") == 1
    served = client.get("/expenses/")
    assert served.headers["Cache-Control"] == "no-store"
    for name in ("Content-Security-Policy", "X-Frame-Options", "Content-Type"):
        assert served.headers[name] == rendered.headers[name]


def test_a_page_whose_view_flashes_and_renders_is_not_stored(app, user):
    """A view that flashes and shows the message on the same page: that page shows once."""
    flashing = build_app(app.config["SQLALCHEMY_DATABASE_URI"])
    views = {"calls": 0}

    @flashing.get("/flashing")
    @login_required
    @cached_page
    def flash_and_render():
        views["calls"] += 1
        flash(f"Shown with view {views['calls']}")
        return render_template_string(
            "{% for m in get_flashed_messages() %}<p>{{ m }}</p>{% endfor %}"
        )

    try:
        client = flashing.test_client()
        login(client, user)
        pages = [client.get("/flashing").get_data(as_text=True) for _ in range(2)]
        assert pages == ["<p>Shown with view 1</p>", "<p>Shown with view 2</p>"]
        assert len(flashing.extensions[EXTENSION]) == 0
    finally:
        with flashing.app_context():
            db.engine.dispose()
