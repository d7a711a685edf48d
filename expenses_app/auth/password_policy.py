"""What makes a password acceptable: length and not being an obvious guess.

No composition rules (ASVS 6.2.5). The blocklist is Django's list of 20,000
common passwords (BSD-3-Clause, see COMMON-PASSWORDS-LICENSE.txt beside it),
shipped with the app because a breached-password service would need network
access the app does not assume.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

MIN_LENGTH = 8
# Bounds the cost of hashing while leaving room for long passphrases.
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped blocklist, lower-cased."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problem(password: str, *, personal: tuple[str | None, ...] = ()) -> str | None:
    """Why `password` is refused, or None when it is acceptable.

    `personal` holds the user's own identifiers (username, email, email's
    local part); a password equal to one of them is as good as public.
    """
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    folded = password.strip().casefold()
    if folded in common_passwords():
        return "This password is too common: it is among the first ones attackers try."
    for value in personal:
        if value and value.strip().casefold() == folded:
            return "Do not use your username or email address as your password."
    return None


def personal_words(username: str | None, email: str | None) -> tuple[str | None, ...]:
    """The identifiers a password must not equal."""
    local_part = email.partition("@")[0] if email else None
    return (username, email, local_part)
