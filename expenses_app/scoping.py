"""The only door to ledger data: every query for a ledger's rows starts here.

A request acts in a `Scope`: the session's current ledger, the logged-in user
and their role there. The pages of part 1 read and change the current ledger
(`owned`); an object opened by its id may be in any ledger the user is a
member of (`get_owned_or_404`), and a write checks the role the user has in
the object's ledger (`require_role`). Anything outside the user's ledgers is
a 404, a write the role does not allow a 403.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import BindParameter, Select, inspect, select
from sqlalchemy.orm.interfaces import ORMOption

from .extensions import db
from .models import LedgerMember, OwnedByLedger, SoftDeletable
from .page_cache import do_not_store

M = TypeVar("M", bound=OwnedByLedger)
# Lower is more: a role may do everything the roles after it may.
ROLE_RANK = {"owner": 0, "member": 1, "viewer": 2}


def role_allows(held: str | None, needed: str) -> bool:
    """Whether the role `held` (None: no membership) may do what `needed` may."""
    return held is not None and ROLE_RANK[held] <= ROLE_RANK[needed]


@dataclass(frozen=True, slots=True)
class Scope:
    """Who acts (`user_id`) in which ledger, with which role."""

    ledger_id: uuid.UUID
    user_id: uuid.UUID
    role: str

    def allows(self, role: str) -> bool:
        """Whether this scope's role may do what `role` may (`owner` > `member` > `viewer`)."""
        return role_allows(self.role, role)

    @property
    def can_write(self) -> bool:
        return self.allows("member")

    @property
    def is_owner(self) -> bool:
        return self.allows("owner")


class NoLedger(Exception):
    """The logged-in user is a member of no ledger: the app sends them to create one."""


class InLedger(Protocol):
    ledger_id: uuid.UUID


def current_scope() -> Scope:
    """The scope of the request: the session's current ledger (see `auth/sessions.py`)."""
    if current_user.ledger_id is None:
        raise NoLedger
    return Scope(current_user.ledger_id, current_user.id, current_user.role)


def scope_in(ledger_id: uuid.UUID) -> Scope | None:
    """The logged-in user's scope in `ledger_id`, or None when they are not a member."""
    if current_user.ledger_id == ledger_id:
        return current_scope()
    role = db.session.scalar(
        select(LedgerMember.role).where(
            LedgerMember.ledger_id == ledger_id, LedgerMember.user_id == current_user.id
        )
    )
    return None if role is None else Scope(ledger_id, current_user.id, role)


def require_role(target: InLedger | uuid.UUID, role: str = "member") -> Scope:
    """The user's scope in the ledger of `target` (an owned row, or a ledger id), when their
    role there allows what `role` may do; 404 for a non-member, 403 otherwise."""
    ledger_id = target if isinstance(target, uuid.UUID) else target.ledger_id
    scope = scope_in(ledger_id)
    if scope is None:
        abort(404)
    if not scope.allows(role):
        abort(403)
    return scope


def writable_scope() -> Scope:
    """The current scope, when its role may add and change things (owner, member); else 403."""
    scope = current_scope()
    if not scope.can_write:
        abort(403)
    return scope


def member_ledgers() -> Select[tuple[uuid.UUID]]:
    """SELECT of the ids of the ledgers the logged-in user belongs to."""
    return select(LedgerMember.ledger_id).where(LedgerMember.user_id == current_user.id)


def owned(
    model: type[M],
    *,
    ledger_id: uuid.UUID | BindParameter[uuid.UUID] | None = None,
    deleted: bool = False,
) -> Select[tuple[M]]:
    """SELECT of `model` rows of `ledger_id` (default: the current ledger).

    Soft-deletable rows in the trash are left out unless `deleted=True`, which
    selects only the trash. `ledger_id` may be a bind parameter, for a
    statement built once and executed with the id on every request. `model`
    may be an alias of a model (`SearchRow`, SQLite's copies of expenses): it
    is scoped like the model. Callers pass a `ledger_id` only from a `Scope`.
    """
    ledger = ledger_id if ledger_id is not None else current_scope().ledger_id
    return _live_or_trash(select(model).where(model.ledger_id == ledger), model, deleted)


def _live_or_trash(stmt: Select, model: type[M], deleted: bool) -> Select:
    """`stmt` kept to the rows outside the trash, or with `deleted` to those in it."""
    if issubclass(inspect(model).class_, SoftDeletable):
        stmt = stmt.where(model.deleted_at.is_not(None) if deleted else model.deleted_at.is_(None))
    return stmt


def get_owned_or_404(
    model: type[M],
    obj_id: uuid.UUID,
    *options: ORMOption,
    deleted: bool = False,
) -> M:
    """The row, when it is in a ledger the user is a member of; else 404.

    Never 403: the data of a ledger one is not in must not even be confirmed
    to exist. `options` are loader options for the row (e.g. its category
    and tags); `deleted=True` looks in the trash instead, as `owned` does.
    Writes then ask `require_role(row)`.
    """
    stmt = select(model).where(model.id == obj_id, model.ledger_id.in_(member_ledgers()))
    obj = db.session.scalar(_live_or_trash(stmt, model, deleted).options(*options))
    if obj is None:
        abort(404)
    if obj.ledger_id != current_user.ledger_id:
        # The page cache keys pages on the current ledger only.
        do_not_store()
    return obj
