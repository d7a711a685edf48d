"""Outgoing mail (issue 15): password reset links, email change notices, `flask users mail-test`.

Plain `smtplib`, configured by `MAIL_SERVER`, `MAIL_PORT`, `MAIL_FROM`,
`MAIL_USERNAME`, `MAIL_PASSWORD`, `MAIL_USE_TLS`. Requests never wait for the
mail server: `send_later` hands the message to a short-lived thread, so a
slow or dead server neither blocks a page nor makes a known address answer
slower than an unknown one (which would tell which accounts exist). Every
connection has a timeout; failures are logged, never shown to the visitor.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    sender: str
    username: str | None
    password: str | None
    use_tls: bool
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings | None:
        """The settings, or None when mail is not configured (no `MAIL_SERVER`)."""
        if not config.get("MAIL_SERVER"):
            return None
        return cls(
            server=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            sender=config["MAIL_FROM"],
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            timeout=float(config.get("MAIL_TIMEOUT_SECONDS", 10)),
        )


def build_message(settings: MailSettings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send_now(settings: MailSettings, to: str, subject: str, body: str) -> None:
    """Send one message and wait for the server; raises OSError/SMTPException on failure."""
    message = build_message(settings, to, subject, body)
    with smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout) as smtp:
        if settings.use_tls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)


def send_later(settings: MailSettings, to: str, subject: str, body: str) -> threading.Thread:
    """Send in the background; the request goes on at once. Returns the thread (tests join it)."""

    def run() -> None:
        # The failure is logged without the message: it holds a reset link.
        try:
            send_now(settings, to, subject, body)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning(
                "mail not sent: subject=%r server=%s:%s error=%s",
                subject,
                settings.server,
                settings.port,
                type(exc).__name__,
            )

    thread = threading.Thread(target=run, name="mail", daemon=True)
    thread.start()
    return thread
