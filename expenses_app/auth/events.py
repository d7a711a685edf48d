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
    ledger_id: uuid.UUID | None = None,
    target: uuid.UUID | None = None,
    level: int = logging.INFO,
) -> None:
    """Log one security event with the client address (after ProxyFix, if configured).

    Refusals and failures use WARNING, so they show even without logging set up.
    Ledger events name the ledger and, for a change to a membership, the member
    concerned (`target`); other events keep the shorter line.
    """
    address = request.remote_addr if has_request_context() else None
    message = "security event=%s user_id=%s login=%s ip=%s"
    values: list[object] = [
        event,
        user_id or "-",
        clean(login) if login is not None else "-",
        clean(address or "-"),
    ]
    if ledger_id is not None or target is not None:
        message += " ledger_id=%s target=%s"
        values += [ledger_id or "-", target or "-"]
    log.log(level, message, *values)
