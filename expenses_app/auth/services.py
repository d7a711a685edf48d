"""Account rules shared by the pages and the CLI.

Services take plain values and never commit: the route commits once.
"""

from __future__ import annotations

import re
import uuid

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import ScalarSelect, delete, func, or_, select

from ..extensions import db
from ..ledgers.services import create_ledger
from ..models import (
    EMAIL_MAX_LENGTH,
    PERSONAL_LEDGER_NAME,
    USERNAME_MAX_LENGTH,
    USERNAME_MIN_LENGTH,
    Ledger,
    LedgerMember,
    User,
    name_key,
    utcnow,
)
from .api_tokens import revoke_all_api_tokens
from .passwords import hash_password, needs_rehash, verify_dummy, verify_password

USERNAME_RE = re.compile(rf"[A-Za-z0-9_.-]{{{USERNAME_MIN_LENGTH},{USERNAME_MAX_LENGTH}}}")
USERNAME_RULE = (
    f"{USERNAME_MIN_LENGTH} to {USERNAME_MAX_LENGTH} letters, digits, dots, dashes or underscores"
)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_valid_username(username: str) -> bool:
    """USERNAME_RULE: letters, digits, `_`, `-`, `.` (already trimmed)."""
    return USERNAME_RE.fullmatch(username) is not None


def is_valid_email(email: str) -> bool:
    """A syntactically valid address (email-validator, issue 15), checked without any DNS
    or network look-up: reset links go to it, so a scanner's payload must not pass."""
    if len(email) > EMAIL_MAX_LENGTH:
        return False
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def find_user_by_login(login: str) -> User | None:
    """The user whose email or username is `login` (either, in any case)."""
    login = login.strip()
    if not login:
        return None
    return db.session.scalar(
        select(User).where(
            or_(User.email == normalise_email(login), User.username_key == name_key(login))
        )
    )


def email_taken(email: str, *, except_user_id: uuid.UUID | None = None) -> bool:
    """Whether another account already uses `email` (compared normalised)."""
    stmt = select(User.id).where(User.email == normalise_email(email))
    if except_user_id is not None:
        stmt = stmt.where(User.id != except_user_id)
    return db.session.scalar(stmt) is not None


def username_taken(username: str) -> bool:
    """Whether an account already uses `username` in any letter case."""
    return (
        db.session.scalar(select(User.id).where(User.username_key == name_key(username)))
        is not None
    )


def register_user(*, email: str, username: str, password: str, full_name: str | None) -> User:
    """Create an account with its first ledger (holding the default categories), which the
    first session starts in.

    A concurrent registration of the same email or username surfaces as an
    IntegrityError at commit; the caller turns it into a form error.
    """
    user = User(
        email=normalise_email(email),
        username=username.strip(),
        username_key=name_key(username),
        full_name=(full_name or "").strip() or None,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    user.last_ledger_id = create_ledger(user.id, PERSONAL_LEDGER_NAME, ledger_id=user.id).id
    return user


def authenticate(login: str, password: str) -> User | None:
    """The active user with this login and password, or None.

    Unknown accounts cost the same hashing time as wrong passwords. A hash
    made with weaker parameters than configured now is upgraded in place.
    """
    user = find_user_by_login(login)
    if user is None or not user.is_active:
        verify_dummy(password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def update_profile(user: User, *, full_name: str | None, email: str) -> None:
    user.full_name = (full_name or "").strip() or None
    user.email = normalise_email(email)


def change_password(user: User, new_password: str) -> None:
    """Store a new hash and revoke the user's API tokens (issue 16). Ending the other
    sessions is the caller's job (sessions.py)."""
    user.password_hash = hash_password(new_password)
    revoke_all_api_tokens(user.id)


class AccountDeletionRefused(Exception):
    """The user is the only owner of ledgers that have other members (`names`)."""

    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


def _member_count() -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(LedgerMember.ledger_id == Ledger.id)
        .correlate(Ledger)
        .scalar_subquery()
    )


def sole_owner_of_shared(user_id: uuid.UUID) -> list[str]:
    """Names of the ledgers with other members in which `user_id` is the only owner."""
    owners = (
        select(func.count())
        .where(LedgerMember.ledger_id == Ledger.id, LedgerMember.role == "owner")
        .correlate(Ledger)
        .scalar_subquery()
    )
    mine = select(LedgerMember.ledger_id).where(
        LedgerMember.user_id == user_id, LedgerMember.role == "owner"
    )
    stmt = (
        select(Ledger.name)
        .where(Ledger.id.in_(mine), owners == 1, _member_count() > 1)
        .order_by(Ledger.name)
    )
    return list(db.session.scalars(stmt))


def delete_account(user_id: uuid.UUID) -> None:
    """Delete the user and the ledgers only they belong to (ON DELETE CASCADE removes what
    those hold). Their expenses in shared ledgers stay, no longer naming who added them.

    Raises AccountDeletionRefused while they are the only owner of a ledger
    that has other members: it would be left with no one to run it.
    """
    blocking = sole_owner_of_shared(user_id)
    if blocking:
        raise AccountDeletionRefused(blocking)
    mine = select(LedgerMember.ledger_id).where(LedgerMember.user_id == user_id)
    db.session.execute(delete(Ledger).where(Ledger.id.in_(mine), _member_count() == 1))
    db.session.execute(delete(User).where(User.id == user_id))
