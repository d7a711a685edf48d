"""Account rules shared by the pages and the CLI."""

from __future__ import annotations

from sqlalchemy import or_, select

from ..extensions import db
from ..models import User


def normalise_email(email: str) -> str:
    return email.strip().lower()


def username_key(username: str) -> str:
    """The case-insensitive identity of a username."""
    return username.strip().casefold()


def find_user_by_login(login: str) -> User | None:
    """The user whose email or username is `login` (either, in any case)."""
    login = login.strip()
    if not login:
        return None
    return db.session.scalar(
        select(User).where(
            or_(User.email == normalise_email(login), User.username_key == username_key(login))
        )
    )
