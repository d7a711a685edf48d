"""Flask-Login wiring: which user a session belongs to, and when it stops counting."""

from __future__ import annotations

import uuid

from flask import Flask
from sqlalchemy import select

from ..extensions import db, login_manager
from ..models import User


def configure_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def load_user(session_id: str) -> User | None:
    """The user behind a session or remember cookie, if that cookie is still valid.

    The id Flask-Login stores is `<uuid>:<session_version>`; bumping the
    user's `session_version` (logout, password change, deletion) makes every
    cookie issued before it worthless, even a copied one.
    """
    user_part, _, version_part = session_id.partition(":")
    try:
        user_id = uuid.UUID(user_part)
        version = int(version_part)
    except ValueError:
        return None
    user = db.session.scalar(select(User).where(User.id == user_id))
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user
