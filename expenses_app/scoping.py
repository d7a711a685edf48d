"""The only door to user data: every query for a user's rows starts here."""

from __future__ import annotations

import uuid
from typing import TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import BindParameter, Select, inspect, select
from sqlalchemy.orm.interfaces import ORMOption

from .extensions import db
from .models import OwnedByUser, SoftDeletable

M = TypeVar("M", bound=OwnedByUser)


def owned(
    model: type[M],
    *,
    user_id: uuid.UUID | BindParameter[uuid.UUID] | None = None,
    deleted: bool = False,
) -> Select[tuple[M]]:
    """SELECT of `model` rows owned by `user_id` (default: the logged-in user).

    Soft-deletable rows in the trash are left out unless `deleted=True`, which
    selects only the trash. `user_id` may be a bind parameter, for a statement
    built once and executed with the id on every request. `model` may be an
    alias of a model (`SearchRow`, SQLite's copies of expenses): it is scoped
    like the model.
    """
    owner = user_id if user_id is not None else current_user.id
    stmt = select(model).where(model.user_id == owner)
    if issubclass(inspect(model).class_, SoftDeletable):
        stmt = stmt.where(model.deleted_at.is_not(None) if deleted else model.deleted_at.is_(None))
    return stmt


def get_owned_or_404(
    model: type[M],
    obj_id: uuid.UUID,
    *options: ORMOption,
    deleted: bool = False,
    user_id: uuid.UUID | None = None,
) -> M:
    """The user's row, or 404 when it is missing *or* belongs to someone else.

    Never 403: another user's data must not even be confirmed to exist.
    `options` are loader options for the row (e.g. its category and tags);
    `deleted=True` looks in the trash instead, as `owned` does.
    """
    stmt = owned(model, user_id=user_id, deleted=deleted).where(model.id == obj_id)
    obj = db.session.scalar(stmt.options(*options))
    if obj is None:
        abort(404)
    return obj
