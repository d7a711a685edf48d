import datetime as dt
import re
from email.utils import parsedate_to_datetime

from sqlalchemy import func, select

from expenses_app.auth.sessions import SessionUser, load_user
from expenses_app.extensions import db
from expenses_app.models import User, UserSession

from .conftest import count_queries, csrf_token, login, post_form
from .factories import make_user

NEW_PASSWORD = "a brand new passphrase"


def log_in(client, user, *, remember=False):
    data = {"login": user.username, "password": user.password}
    if remember:
        data["remember"] = "y"
    response = post_form(client, "/auth/login", data)
    assert response.status_code == 302
    return response


def replay(app, **cookies):
    """A fresh browser carrying only the given cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def is_logged_in(client) -> bool:
    return client.get("/").status_code == 200


def change_password(client, user, new=NEW_PASSWORD):
    return post_form(
        client,
        "/auth/account",
        {"current_password": user.password, "new_password": new, "confirm": new},
    )


def test_session_cookie_copied_before_logout_no_longer_authenticates(app, client, user):
    log_in(client, user)
    stolen = client.get_cookie("session").value
    assert is_logged_in(replay(app, session=stolen))

    post_form(client, "/auth/logout", page="/")

    assert not is_logged_in(replay(app, session=stolen))
    assert not is_logged_in(client)


def test_remember_cookie_copied_before_logout_no_longer_authenticates(app, client, user):
    log_in(client, user, remember=True)
    stolen = client.get_cookie("remember_token").value
    assert is_logged_in(replay(app, remember_token=stolen))

    post_form(client, "/auth/logout", page="/")

    assert not is_logged_in(replay(app, remember_token=stolen))


def test_remember_cookie_copied_before_a_password_change_no_longer_authenticates(app, client, user):
    log_in(client, user, remember=True)
    stolen_remember = client.get_cookie("remember_token").value
    stolen_session = client.get_cookie("session").value

    response = change_password(client, user)

    assert response.status_code == 302
    assert not is_logged_in(replay(app, remember_token=stolen_remember))
    assert not is_logged_in(replay(app, session=stolen_session))
    assert is_logged_in(client)
    fresh = client.get_cookie("remember_token").value
    assert fresh != stolen_remember
    assert is_logged_in(replay(app, remember_token=fresh))


def test_password_change_keeps_this_session_and_ends_the_others(app, user):
    here, elsewhere = app.test_client(), app.test_client()
    log_in(here, user)
    log_in(elsewhere, user)

    response = change_password(here, user)

    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    with app.app_context():
        live = db.session.scalar(
            select(func.count())
            .select_from(UserSession)
            .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        )
    assert live == 1


def test_logout_ends_only_this_session(app, user):
    here, elsewhere = app.test_client(), app.test_client()
    log_in(here, user)
    log_in(elsewhere, user)

    post_form(here, "/auth/logout", page="/")

    assert not is_logged_in(here)
    assert is_logged_in(elsewhere)


def test_login_starts_a_new_session_and_drops_planted_values(app, client, user):
    with client.session_transaction() as session:
        session["planted"] = "attacker"
    pre_login_token = csrf_token(client)
    before = client.get_cookie("session").value

    log_in(client, user)

    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session
    stale = client.post("/auth/logout", data={"csrf_token": pre_login_token})
    assert stale.status_code == 400
    assert is_logged_in(client)


def test_an_expired_session_needs_a_new_login(app, client, user, monkeypatch):
    log_in(client, user)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=12, minutes=1)
    monkeypatch.setattr("expenses_app.auth.sessions.utcnow", lambda: later)

    assert not is_logged_in(client)


def test_a_remembered_session_lasts_at_most_30_days(app, client, user, monkeypatch):
    response = log_in(client, user, remember=True)
    cookie = next(
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith("remember_token=")
    )
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert expires <= dt.datetime.now(dt.UTC) + dt.timedelta(days=30, minutes=1)
    token = client.get_cookie("remember_token").value
    day = dt.timedelta(days=1)
    soon = dt.datetime.now(dt.UTC) + 29 * day
    monkeypatch.setattr("expenses_app.auth.sessions.utcnow", lambda: soon)
    assert is_logged_in(replay(app, remember_token=token))
    late = dt.datetime.now(dt.UTC) + 30 * day + dt.timedelta(minutes=1)
    monkeypatch.setattr("expenses_app.auth.sessions.utcnow", lambda: late)
    assert not is_logged_in(replay(app, remember_token=token))


def test_a_forged_or_old_style_user_id_in_the_session_is_refused(app, client, user):
    for forged in (f"{user.id}:1", f"{user.id}:", str(user.id), "not-a-uuid:token"):
        with client.session_transaction() as session:
            session["_user_id"] = forged
            session["_fresh"] = True
        assert not is_logged_in(client)


def test_the_login_check_reads_a_plain_session_user_not_an_orm_object(app, client, user):
    log_in(client, user)
    with client.session_transaction() as session:
        session_id = session["_user_id"]
    with app.app_context():
        loaded = load_user(session_id)
        assert isinstance(loaded, SessionUser)
        assert (loaded.id, loaded.username) == (user.id, user.username)
        assert loaded.get_id() == session_id
        assert len(db.session.identity_map) == 0


def test_logged_in_get_requests_write_nothing(app, client, logged_in):
    with count_queries(app) as statements:
        for path in ("/", "/auth/account", "/expenses/", "/categories/"):
            client.get(path)
    writes = [
        s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_expired_and_revoked_rows_are_cleaned_up_at_the_next_login(app, user):
    for _ in range(3):
        browser = app.test_client()
        login(browser, user)
        post_form(browser, "/auth/logout", page="/")
    login(app.test_client(), user)

    with app.app_context():
        rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(rows) == 1
    assert rows[0].revoked_at is None


def test_deleting_the_account_ends_every_session(app, user):
    here, elsewhere = app.test_client(), app.test_client()
    log_in(here, user)
    log_in(elsewhere, user, remember=True)
    remembered = elsewhere.get_cookie("remember_token").value

    response = post_form(
        here, "/auth/account/delete", {"password": user.password}, page="/auth/account"
    )

    assert response.status_code == 302
    assert not is_logged_in(elsewhere)
    assert not is_logged_in(replay(app, remember_token=remembered))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_two_users_sessions_are_independent(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    a, b = app.test_client(), app.test_client()
    log_in(a, alice)
    log_in(b, bob)
    post_form(a, "/auth/logout", page="/")
    assert is_logged_in(b)
    assert "bob" in b.get("/auth/account").get_data(as_text=True)


def test_disabling_a_user_ends_their_sessions(app, client, user):
    log_in(client, user, remember=True)
    remembered = client.get_cookie("remember_token").value
    with app.app_context():
        db.session.get(User, user.id).is_active = False
        db.session.commit()

    assert not is_logged_in(client)
    assert not is_logged_in(replay(app, remember_token=remembered))
