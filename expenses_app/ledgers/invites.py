"""Invitation links: created by an owner, single use, valid for `INVITE_LIFETIME`.

The link carries a random token; the table keeps only its SHA-256, so a copy
of the database joins no one. Using a link is one conditional UPDATE: of two
requests racing with the same link, exactly one sees a row change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..models import INVITE_LIFETIME, INVITE_ROLES, Ledger, LedgerInvite, LedgerMember, User
from ..tokens import new_token, token_hash

# Tokens are 43 characters; anything much longer is not one of ours and is not hashed.
MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class OpenInvite:
    """An invitation that still works, with the ledger it opens."""

    invite: LedgerInvite
    ledger_name: str
    invited_by: str | None


def create_invite(
    ledger_id: uuid.UUID, role: str, created_by: uuid.UUID
) -> tuple[LedgerInvite, str]:
    """A new invitation and its token (shown once: only the hash is stored)."""
    if role not in INVITE_ROLES:
        raise ValueError(f"an invitation cannot grant {role!r}")
    token = new_token()
    now = clock.now()
    invite = LedgerInvite(
        ledger_id=ledger_id,
        role=role,
        token_hash=token_hash(token),
        created_by=created_by,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
    )
    db.session.add(invite)
    db.session.flush()
    return invite, token


def _open(now) -> tuple:
    return (
        LedgerInvite.used_at.is_(None),
        LedgerInvite.revoked_at.is_(None),
        LedgerInvite.expires_at > now,
    )


def open_invites(ledger_id: uuid.UUID) -> list[LedgerInvite]:
    """The ledger's invitations that still work, newest first."""
    stmt = (
        select(LedgerInvite)
        .where(LedgerInvite.ledger_id == ledger_id, *_open(clock.now()))
        .order_by(LedgerInvite.created_at.desc(), LedgerInvite.id)
    )
    return list(db.session.scalars(stmt))


def revoke_invite(ledger_id: uuid.UUID, invite_id: uuid.UUID) -> bool | None:
    """Stop the link working: True when revoked now, False when it no longer worked anyway,
    None when the ledger has no such invitation. The caller commits."""
    invite = db.session.scalar(
        select(LedgerInvite).where(
            LedgerInvite.id == invite_id, LedgerInvite.ledger_id == ledger_id
        )
    )
    if invite is None:
        return None
    result = db.session.execute(
        update(LedgerInvite)
        .where(LedgerInvite.id == invite_id, *_open(clock.now()))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def find_open_invite(token: str) -> OpenInvite | None:
    """The invitation `token` opens while it still works; None for anything else (unknown,
    used, revoked, expired) — the pages answer 404 alike for all of those."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    stmt = (
        select(LedgerInvite, Ledger.name, User.username)
        .join(Ledger, Ledger.id == LedgerInvite.ledger_id)
        .outerjoin(User, User.id == LedgerInvite.created_by)
        .where(LedgerInvite.token_hash == token_hash(token), *_open(clock.now()))
    )
    row = db.session.execute(stmt).first()
    return None if row is None else OpenInvite(*row)


class AlreadyMember(Exception):
    """The user already belongs to the ledger the invitation opens (it stays unused)."""


def use_invite(invite: LedgerInvite, user_id: uuid.UUID) -> bool:
    """Join the invitation's ledger with its role, marking it used. False when another
    request used (or an owner revoked) it first, or it expired meanwhile; then nothing
    changes. Raises AlreadyMember for a member: the caller then rolls back, so the
    link stays unused. The caller commits."""
    if db.session.get(LedgerMember, (invite.ledger_id, user_id)) is not None:
        raise AlreadyMember
    now = clock.now()
    claimed = db.session.execute(
        update(LedgerInvite)
        .where(LedgerInvite.id == invite.id, *_open(now))
        .values(used_at=now, used_by=user_id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    db.session.add(
        LedgerMember(ledger_id=invite.ledger_id, user_id=user_id, role=invite.role, joined_at=now)
    )
    try:
        db.session.flush()
    except IntegrityError as exc:
        # The same user joined through another link a moment ago.
        raise AlreadyMember from exc
    return True
