"""Server-side login sessions and their Flask-Login wiring.

Flask keeps its session in a signed cookie, so on its own a copied cookie
keeps working after logout. Each login therefore gets a `user_sessions` row
holding the hash of a random token, and the id Flask-Login stores in the
session and remember cookies is `<user uuid>:<token>` (its "alternative
tokens" pattern). A cookie counts only while its row is live: logout revokes
the row, a password change revokes every row (the current browser gets a
fresh one), and deleting the account deletes them all through the foreign
key. Reading a session never writes, so GET requests stay read-only.

Every request reads the user with its session check, as a `SessionUser`: the
few columns the pages use, from one Core statement. Loading an ORM `User`
instead cost about an eighth of the CPU of a page served from the page cache
(ORM compilation, identity map, instance state); the routes that change the
account load one with `account_user()`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user, login_user
from sqlalchemy import ColumnElement, and_, bindparam, delete, func, or_, select, update

from ..extensions import db, login_manager
from ..ledgers.current import OLDEST_FIRST, starting_ledger
from ..models import (
    IP_ADDRESS_MAX_LENGTH,
    USER_AGENT_MAX_LENGTH,
    Ledger,
    LedgerMember,
    RecurringRule,
    User,
    UserSession,
    utcnow,
)
from ..tokens import new_token, token_hash


@dataclass(frozen=True, slots=True)
class SessionUser:
    """The logged-in user of a request, read with its live session row."""

    id: uuid.UUID
    username: str
    # Part of the page cache's key (see the column in models/user.py).
    data_version: int
    session_token: str
    # The session's current ledger, the user's role there, its name, its part
    # of the page cache's key and how many members it has (None: no ledger).
    ledger_id: uuid.UUID | None = None
    role: str | None = None
    ledger_name: str | None = None
    ledger_version: int | None = None
    ledger_members: int = 0
    # Issue 14: the earliest date due of the ledger's automatic recurring rules
    # (recurring/autopost.py posts them when it is today or earlier).
    recurring_due: dt.date | None = None
    # How many ledgers the user belongs to (the header lists them when several).
    ledger_count: int = 0

    # Flask-Login protocol: only live sessions of active users are ever loaded.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


def configure_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    # "strong" would throw the session away whenever the address changes (a phone
    # moving between networks); revocation is handled by the session rows instead.
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def _lifetime(remember: bool) -> dt.timedelta:
    key = "REMEMBER_COOKIE_DURATION" if remember else "PERMANENT_SESSION_LIFETIME"
    value = current_app.config[key]
    return value if isinstance(value, dt.timedelta) else dt.timedelta(seconds=int(value))


def _dead(now: dt.datetime) -> ColumnElement[bool]:
    """Sessions no cookie can use again: expired, or revoked (never un-revoked)."""
    return or_(UserSession.expires_at <= now, UserSession.revoked_at.is_not(None))


def delete_dead_sessions(now: dt.datetime) -> int:
    """Delete every user's expired and revoked sessions (`flask jobs run`); how many. The
    caller commits."""
    stmt = delete(UserSession).where(_dead(now))
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount


def start_session(user: User, *, remember: bool) -> None:
    """Record a new login for `user`; afterwards `user.get_id()` names it.

    Also deletes the user's expired and revoked rows, so the table stays small
    without a cleanup job. The caller commits.
    """
    now = utcnow()
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id, _dead(now)))
    token = new_token()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + _lifetime(remember),
            remember=remember,
            ledger_id=starting_ledger(user),
            **_client(),
        )
    )
    user.session_token = token


def _client() -> dict[str, str | None]:
    """The browser and address of the request that logs in (`/auth/sessions` shows them);
    written once here, never per request."""
    if not has_request_context():
        return {"user_agent": None, "ip_address": None}
    agent = request.headers.get("User-Agent", "")[:USER_AGENT_MAX_LENGTH] or None
    return {"user_agent": agent, "ip_address": (request.remote_addr or "")[:IP_ADDRESS_MAX_LENGTH]}


def enter_session(user: User, *, remember: bool) -> None:
    """Bind this browser to `user`'s new session row (created and committed before).

    Clearing first means nothing planted before login survives it, the
    pre-login CSRF token included (session fixation). The request goes on as
    the `SessionUser` the next one will load, so a page rendered now (the
    recovery codes after enabling 2FA) has what the layout reads.
    """
    session.clear()
    login_user(load_user(user.get_id()) or user, remember=remember)


def restart_sessions(user: User) -> bool:
    """End every session of `user` and start a fresh one for this browser (a password or
    two-factor change: copies of any old cookie stop working). Returns whether it is a
    "keep me logged in" one, for `enter_session` after the caller commits."""
    remember = is_remembered(user)
    end_all_sessions(user.id)
    start_session(user, remember=remember)
    return remember


def is_remembered(user: User | SessionUser) -> bool:
    """Whether the session `user` was loaded for was a "keep me logged in" login."""
    if not user.session_token:
        return False
    return bool(
        db.session.scalar(
            select(UserSession.remember).where(
                UserSession.token_hash == token_hash(user.session_token)
            )
        )
    )


def end_session(user: User | SessionUser) -> None:
    """Revoke the session `user` was loaded for (logout). The caller commits."""
    if user.session_token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == token_hash(user.session_token))
            .values(revoked_at=utcnow())
        )


def end_all_sessions(user_id: uuid.UUID) -> None:
    """Revoke every live session of a user, in every browser. The caller commits."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# Built once: it runs on every request, and building a SELECT and its cache
# key costs about as much as executing this one. The current ledger comes
# with the user: its membership row proves the user may still see it.
_users, _sessions = User.__table__.c, UserSession.__table__.c
_members, _ledgers = LedgerMember.__table__.c, Ledger.__table__.c
_MEMBER_COUNT = (
    select(func.count())
    .select_from(LedgerMember.__table__)
    .where(_members.ledger_id == _ledgers.id)
    .correlate(Ledger.__table__)
    .scalar_subquery()
)
_rules = RecurringRule.__table__.c
_RECURRING_DUE = (  # issue 14: an index lookup (ledger_id, mode, next_date)
    select(func.min(_rules.next_date))
    .where(_rules.ledger_id == _ledgers.id, _rules.mode == "auto")
    .correlate(Ledger.__table__)
    .scalar_subquery()
)
_LEDGER_COLUMNS = (
    _ledgers.id,
    _members.role,
    _ledgers.name,
    _ledgers.data_version,
    _MEMBER_COUNT,
    _RECURRING_DUE,
)
_MINE = LedgerMember.__table__.alias("mine")
_LEDGER_COUNT = (
    select(func.count())
    .select_from(_MINE)
    .where(_MINE.c.user_id == _users.id)
    .correlate(User.__table__)
    .scalar_subquery()
)
_LIVE_SESSION_USER = (
    select(_users.id, _users.username, _users.data_version, _LEDGER_COUNT, *_LEDGER_COLUMNS)
    .join_from(User.__table__, UserSession.__table__, _sessions.user_id == _users.id)
    .outerjoin(
        LedgerMember.__table__,
        and_(_members.ledger_id == _sessions.ledger_id, _members.user_id == _users.id),
    )
    .outerjoin(Ledger.__table__, _ledgers.id == _members.ledger_id)
    .where(
        _users.id == bindparam("user_id"),
        _users.is_active.is_(True),
        _sessions.token_hash == bindparam("token_hash"),
        _sessions.revoked_at.is_(None),
        _sessions.expires_at > bindparam("now"),
    )
)
# When the session's ledger was deleted or left: the user's oldest remaining one.
_OLDEST_LEDGER = (
    select(*_LEDGER_COLUMNS)
    .join_from(LedgerMember.__table__, Ledger.__table__, _ledgers.id == _members.ledger_id)
    .where(_members.user_id == bindparam("user_id"))
    .order_by(*OLDEST_FIRST)
    .limit(1)
)


def load_user(session_id: str) -> SessionUser | None:
    """The user behind a session or remember cookie while its session row is live, with
    the session's current ledger (see `ledgers/current.py`)."""
    user_part, _, token = session_id.partition(":")
    try:
        user_id = uuid.UUID(user_part)
    except ValueError:
        return None
    if not token:
        return None
    row = db.session.execute(
        _LIVE_SESSION_USER,
        {"user_id": user_id, "token_hash": token_hash(token), "now": utcnow()},
    ).first()
    if row is None:
        return None
    user, count, ledger = row[:3], row[3], row[4:]
    if ledger[0] is None and count:
        # Reading a session never writes: the fallback is found again on each
        # request until the user switches ledger.
        ledger = db.session.execute(_OLDEST_LEDGER, {"user_id": user_id}).first()
    return SessionUser(*user, token, *ledger, ledger_count=count)


def logged_in_since(session_token: str) -> dt.datetime | None:
    """When this browser's login (its session row) began: a login with a password, and the
    second step when 2FA is on; rotating the session after a password or 2FA change too."""
    stmt = select(UserSession.created_at).where(UserSession.token_hash == token_hash(session_token))
    return db.session.scalar(stmt)


def account_user() -> User:
    """The logged-in user as an ORM object, for the routes that show or change the account."""
    user = db.session.get_one(User, current_user.id)
    user.session_token = current_user.session_token
    return user
