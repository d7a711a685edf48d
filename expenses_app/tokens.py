"""Random secrets handed to a user (login sessions, invitation links) and how they are stored.

Only a token's SHA-256 is kept: a copy of the database logs no one in and
joins no ledger. The tokens carry 256 random bits, so an unsalted fast hash
is enough (there is nothing to guess, unlike a password).
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A fresh URL-safe token of 32 random bytes."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored for `token`: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()
