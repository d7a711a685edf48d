"""A real SMTP server on 127.0.0.1 for the mail tests (issue 15), with aiosmtpd."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from .live_server import free_port


class Mailbox:
    """What the server received: parsed messages, in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The first `count` messages, waiting at most `timeout` seconds for them."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} messages arrived"
        return self.messages[:count]


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A running server and its port; stopped afterwards."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield mailbox, port
    finally:
        # Mail the test's requests handed to the background (mail.send_later) lands
        # before the server goes, or its half-open connection outlives the test.
        for thread in threading.enumerate():
            if thread.name == "mail":
                thread.join(timeout=10)
        controller.stop()


def mail_config(port: int) -> dict[str, object]:
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_FROM": "expenses@example.com",
        "MAIL_USE_TLS": False,
        "MAIL_TIMEOUT_SECONDS": 5,
    }
