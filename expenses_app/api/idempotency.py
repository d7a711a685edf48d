"""`Idempotency-Key` on POST: the first answer is kept per user for 24 hours and replayed.

A client that lost the answer to a POST (a phone going into a tunnel) sends
it again with the same key and gets the same answer, and nothing is created
twice. The key is claimed (a row, committed) before the view runs, so a
second request racing the first finds the claim and answers 409 until the
first one's answer is stored. An answer that is an error is not kept: the
claim is dropped and a retry runs afresh. The same key with another request
(method, path or body) answers 422.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, request
from flask_login import current_user
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Conflict

from .. import clock
from ..extensions import db
from ..models import IDEMPOTENCY_KEY_MAX_LENGTH, IdempotencyKey
from .problems import InvalidInput

HEADER = "Idempotency-Key"
REPLAY_WINDOW = dt.timedelta(hours=24)
REPLAYED_HEADER = "Idempotent-Replayed"


def fingerprint() -> str:
    """What makes two requests the same: method, path with query, body."""
    digest = hashlib.sha256(f"{request.method} {request.full_path}\n".encode())
    digest.update(request.get_data())
    return digest.hexdigest()


def _checked_key(raw: str) -> str:
    key = raw.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not key.isascii():
        raise InvalidInput(
            {HEADER: [f"Use 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} ASCII characters, e.g. a UUID."]}
        )
    return key


def _replay(row: IdempotencyKey) -> Response:
    response = Response(row.body, status=row.status, mimetype="application/json")
    response.headers[REPLAYED_HEADER] = "true"
    return response


def delete_expired_keys(now: dt.datetime, *, user_id: uuid.UUID | None = None) -> int:
    """Delete the keys older than REPLAY_WINDOW (of one user, or of everyone for
    `flask jobs run`); how many. The caller commits."""
    stmt = delete(IdempotencyKey).where(IdempotencyKey.created_at < now - REPLAY_WINDOW)
    if user_id is not None:
        stmt = stmt.where(IdempotencyKey.user_id == user_id)
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount


def claim(user_id: uuid.UUID, key: str, print_: str) -> uuid.UUID | Response:
    """The id of a fresh claim on `key`, or the answer to give instead (the stored one)."""
    now = clock.now()
    delete_expired_keys(now, user_id=user_id)
    row = IdempotencyKey(user_id=user_id, key=key, fingerprint=print_, created_at=now)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    else:
        return row.id
    first = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    if first is None or first.status is None:
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    if first.fingerprint != print_:
        raise InvalidInput({HEADER: ["This key was already used for a different request."]})
    return _replay(first)


def _store(claim_id: uuid.UUID, response: Response) -> None:
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claim_id)
        .values(status=response.status_code, body=response.get_data(as_text=True))
    )
    db.session.commit()


def _drop(claim_id: uuid.UUID) -> None:
    db.session.rollback()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim_id))
    db.session.commit()


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a POST view (above flask-smorest's decorators) to honour `Idempotency-Key`."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        """Replay the stored answer, or run the view under a claim on the key."""
        raw = request.headers.get(HEADER)
        if raw is None:
            return view(*args, **kwargs)
        claimed = claim(current_user.id, _checked_key(raw), fingerprint())
        if isinstance(claimed, Response):
            return claimed
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except Exception:
            _drop(claimed)
            raise
        if response.status_code < 400:
            _store(claimed, response)
        else:
            _drop(claimed)
        return response

    return wrapper
