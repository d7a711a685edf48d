"""Security event log: who did what, from where, never with a password.

Values a user typed (a login name) are escaped so a CR/LF in them cannot
forge a log line (ASVS 16.4.1).
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import has_request_context, request

log = logging.getLogger("expenses_app.security")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
MAX_VALUE_LENGTH = 120


def clean(value: object) -> str:
    """`value` as one printable line: control characters become `\\xNN` escapes."""
    text = str(value)[:MAX_VALUE_LENGTH]
    return _UNSAFE.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def security_event(
    event: str,
    *,
    user_id: uuid.UUID | None = None,
    login: str | None = None,
    level: int = logging.INFO,
) -> None:
    """Log one security event with the client address (after ProxyFix, if configured).

    Refusals and failures use WARNING, so they show even without logging set up.
    """
    address = request.remote_addr if has_request_context() else None
    log.log(
        level,
        "security event=%s user_id=%s login=%s ip=%s",
        event,
        user_id or "-",
        clean(login) if login is not None else "-",
        clean(address or "-"),
    )
