"""TOTP two-factor authentication: the encrypted secret, codes, the replay guard, recovery codes.

The secret is stored Fernet-encrypted under a key derived with HKDF from
`TOTP_ENCRYPTION_KEY`, or from `SECRET_KEY` when that is not set: a copy of
the database or a backup alone does not yield it. Rotating the key that
encrypts them makes the stored secrets unreadable: those users then pass the
second step with a recovery code (or the operator runs `flask users
disable-2fa`) and enrol again (docs/security.md).

The replay guard: `users.totp_last_step` holds the last 30-second time step a
code was accepted for, and a code is accepted only for a later step, by one
conditional UPDATE, so two workers cannot both accept the same code.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import secrets
import uuid

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, func, or_, select, update

from .. import clock
from ..extensions import db
from ..models import RECOVERY_CODE_COUNT, RecoveryCode, User
from ..tokens import token_hash
from .events import security_event

ISSUER = "Expenses"
# One 30-second step either way, for a phone clock a little off (the contract's drift).
DRIFT_STEPS = 1
FEW_RECOVERY_CODES = 3
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _fernet() -> Fernet:
    secret = current_app.config.get("TOTP_ENCRYPTION_KEY") or current_app.config["SECRET_KEY"]
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"expenses-app totp secret v1"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(stored: str | None) -> str | None:
    """The secret in clear, or None when there is none or the key no longer opens it."""
    if not stored:
        return None
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def otpauth_uri(secret: str, account_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The QR code of `uri` as inline SVG, drawn here (no network, no JavaScript)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, light="#fff", title="QR code of the TOTP secret"
    )
    return Markup(svg)  # segno's own markup; the URI holds no user input but the username


def is_enabled(user: User) -> bool:
    return user.totp_enabled_at is not None


def _matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step within the drift window whose code is `code`, or None."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def claim_code(user_id: uuid.UUID, secret: str | None, code: str) -> bool:
    """Accept `code` for `user_id` once: True when it matches a time step later than the last
    one accepted (which it then becomes). Any form that takes a code goes through here."""
    if secret is None:
        return False
    step = _matching_step(secret, code, clock.now())
    if step is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(
            User.id == user_id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def check_user_code(user: User, code: str) -> bool:
    """`claim_code` with the user's stored secret. A secret the configured key no longer
    opens (SECRET_KEY rotated without TOTP_ENCRYPTION_KEY) is logged for the operator:
    only a recovery code or `flask users disable-2fa` gets that user in."""
    secret = decrypt(user.totp_secret)
    if secret is None and user.totp_secret:
        security_event("2fa_secret_unreadable", user_id=user.id, level=logging.WARNING)
    return claim_code(user.id, secret, code)


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))  # about 79 bits
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def replace_recovery_codes(user_id: uuid.UUID) -> list[str]:
    """A new set of recovery codes in clear (shown once); the old set stops working."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user_id, code_hash=token_hash(normalise_recovery_code(code)))
        for code in codes
    )
    return codes


def use_recovery_code(user_id: uuid.UUID, code: str) -> bool:
    """Spend one unused recovery code of the user: True once per code (one conditional UPDATE)."""
    normalised = normalise_recovery_code(code)
    if len(normalised) != 16:
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == token_hash(normalised),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


def delete_used_recovery_codes() -> int:
    """Delete every spent recovery code (`flask jobs run`): single-use, so dead, and only the
    unused ones are counted. How many; the caller commits."""
    stmt = delete(RecoveryCode).where(RecoveryCode.used_at.is_not(None))
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount


def recovery_codes_left(user_id: uuid.UUID) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )


def enable(user: User, secret: str, now: dt.datetime) -> list[str]:
    """Switch TOTP on with `secret` (already confirmed by a code); the new recovery codes."""
    user.totp_secret = encrypt(secret)
    user.totp_enabled_at = now
    return replace_recovery_codes(user.id)


def disable(user: User) -> None:
    """Switch TOTP off and forget the secret and the recovery codes."""
    user.totp_secret = None
    user.totp_enabled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
