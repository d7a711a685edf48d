"""The mails account security sends (issue 15): reset links and email change notices.

Nothing here waits for the mail server (mail.send_later), and without mail
configured nothing is sent.
"""

from __future__ import annotations

import threading

from flask import current_app

from ..mail import MailSettings, send_later
from ..models import RESET_LINK_LIFETIME


def mail_settings() -> MailSettings | None:
    """The configured mail settings, or None when `MAIL_SERVER` is not set."""
    return MailSettings.from_config(current_app.config)


def reset_link(to: str, url: str) -> threading.Thread | None:
    settings = mail_settings()
    if settings is None:
        return None
    minutes = int(RESET_LINK_LIFETIME.total_seconds() // 60)
    body = (
        "Someone (hopefully you) asked to reset the password of your expenses account.\n\n"
        f"Open this link within {minutes} minutes to choose a new password:\n\n{url}\n\n"
        "It works once. If you did not ask for it, ignore this message: your password "
        "stays as it is.\n"
    )
    return send_later(settings, to, "Reset your password", body)


def email_changed(old: str, new: str, username: str) -> threading.Thread | None:
    """Tell the old address that the account's address changed (and to which)."""
    settings = mail_settings()
    if settings is None:
        return None
    body = (
        f"The email address of the expenses account {username} was changed from {old} "
        f"to {new}.\n\nIf you did not do this, contact the server's operator at once: "
        "password reset links now go to the new address.\n"
    )
    return send_later(settings, old, "Your account's email address was changed", body)


def security_change(to: str, username: str, what: str) -> threading.Thread | None:
    """Tell the account's address that `what` happened ("your password was reset"), so a
    takeover does not go unnoticed."""
    settings = mail_settings()
    if settings is None:
        return None
    body = (
        f"On the expenses account {username}: {what}.\n\n"
        "If this was not you, reset your password at once and contact the server's "
        "operator.\n"
    )
    return send_later(settings, to, "Security change on your account", body)
