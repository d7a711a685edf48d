"""Who may register (issue 15): config `REGISTRATION` is `open`, `invite` or `closed`.

`invite`: the first account of the installation, then only a visitor holding
a valid ledger invitation, who joins that ledger. A refusal is decided before
anything is written, so a refused POST changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import select, text

from ..extensions import db
from ..ledgers.invites import OpenInvite, find_open_invite, use_invite
from ..models import User

CLOSED_MESSAGE = "Registration is closed on this server. Ask its operator for an account."
INVITE_ONLY_MESSAGE = (
    "This server registers new accounts by invitation only: open the invitation link "
    "a ledger's owner sent you."
)
_INVITE_PATH = re.compile(r"/invites/(?P<token>[A-Za-z0-9_-]{1,100})")


@dataclass(frozen=True)
class RegistrationDoor:
    """Whether this visitor may register, with the invitation they hold (if any)."""

    refusal: str | None
    invite: OpenInvite | None = None
    token: str | None = None


def invite_token(invite: str | None, next_path: str | None) -> str | None:
    """The invitation token: `?invite=`, or in `invite` mode the one in `next` (an
    invitation link opened before having an account leads to the login page with
    `next=/invites/<token>`; in `open` mode the visitor then joins on that page)."""
    if invite:
        return invite
    if current_app.config["REGISTRATION"] != "invite":
        return None
    match = _INVITE_PATH.fullmatch(next_path or "")
    return match.group("token") if match else None


# Any fixed number: the key of the PostgreSQL advisory lock for "the first account".
_FIRST_ACCOUNT_LOCK = 15_0001


def _has_accounts(*, for_update: bool) -> bool:
    """Whether any account exists. Before a registration that counts on there being none,
    two visitors must not both see an empty installation: on PostgreSQL a transaction-scoped
    advisory lock orders them (the second then sees the first's account); SQLite already
    does, a POST's transaction holding the write lock from its first statement."""
    if for_update and db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FIRST_ACCOUNT_LOCK})
    return db.session.scalar(select(User.id).limit(1)) is not None


def registration_door(token: str | None) -> RegistrationDoor:
    """Decide for this visitor under the configured mode (read-only)."""
    mode = current_app.config["REGISTRATION"]
    if mode == "closed":
        return RegistrationDoor(CLOSED_MESSAGE)
    found = find_open_invite(token) if token else None
    if mode == "invite" and found is None and _has_accounts(for_update=request.method == "POST"):
        return RegistrationDoor(INVITE_ONLY_MESSAGE)
    return RegistrationDoor(None, found, token if found else None)


def join_invited_ledger(user: User, door: RegistrationDoor) -> bool:
    """Join the ledger of the door's invitation (if any) and start there. False when the
    invitation stopped working meanwhile: the caller rolls back and refuses."""
    if door.invite is None:
        return True
    if not use_invite(door.invite.invite, user.id):
        return False
    user.last_ledger_id = door.invite.invite.ledger_id
    return True
