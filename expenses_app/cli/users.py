"""`flask users ...`: the operator's account tools (issue 15).

`create` (password from standard input), `list`, `reset-link`, `disable-2fa`,
`mail-test`. An unknown login or a refused value is one line on standard
error and exit code 1 (click.ClickException); nothing changes then.
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth import services, totp
from ..auth.events import security_event
from ..auth.password_policy import password_problem, personal_words
from ..auth.reset import create_reset_token, reset_url
from ..auth.sessions import end_all_sessions
from ..extensions import db
from ..mail import MailSettings, send_now
from ..models import User

users_group = AppGroup("users", help="Manage accounts: create, list, reset links, 2FA, mail.")


def _user(login: str) -> User:
    user = services.find_user_by_login(login)
    if user is None:
        raise click.ClickException(f"no user with email or username {login!r}")
    return user


def _account_problem(email: str, username: str, password: str) -> str | None:
    """Why the registration form would refuse these values (the same rules), or None."""
    if not services.is_valid_email(email.strip()):
        return f"{email!r} is not a valid email address"
    if not services.is_valid_username(username.strip()):
        return f"the username must be {services.USERNAME_RULE}"
    if services.email_taken(email):
        return "an account with this email already exists"
    if services.username_taken(username.strip()):
        return "this username is taken"
    problem = password_problem(password, personal=personal_words(username, email))
    return f"password refused: {problem}" if problem else None


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--username", required=True)
@click.option("--full-name", default=None)
def create_command(email: str, username: str, full_name: str | None) -> None:
    """Create an account (first ledger, default categories); the password is one line of
    standard input (asked for, hidden, when that is a terminal)."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = _account_problem(email, username, password)
    if problem:
        raise click.ClickException(problem)
    try:
        user = services.register_user(
            email=email, username=username, password=password, full_name=full_name
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException("that email or username was just taken") from None
    security_event("user_created_by_operator", user_id=user.id)
    click.echo(f"Created {user.username} <{user.email}>.")


@users_group.command("list")
def list_command() -> None:
    """Every account: login, email, whether 2FA is on, last login."""
    users = db.session.scalars(select(User).order_by(User.username_key))
    click.echo(f"{'username':<32} {'email':<40} {'2fa':<4} last login")
    for user in users:
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if user.last_login_at else "never"
        two_factor = "on" if totp.is_enabled(user) else "off"
        click.echo(f"{user.username:<32} {user.email:<40} {two_factor:<4} {last}")


@users_group.command("reset-link")
@click.argument("login")
def reset_link_command(login: str) -> None:
    """Print a one-time password reset link for LOGIN (valid one hour)."""
    user = _user(login)
    token = create_reset_token(user)
    db.session.commit()
    security_event("password_reset_link_by_operator", user_id=user.id)
    click.echo(reset_url(token))


@users_group.command("disable-2fa")
@click.argument("login")
def disable_2fa_command(login: str) -> None:
    """Switch two-factor login off for LOGIN (a lost phone); logs out their sessions."""
    user = _user(login)
    if not totp.is_enabled(user):
        click.echo(f"Two-factor login was already off for {user.username}.")
        return
    totp.disable(user)
    end_all_sessions(user.id)
    db.session.commit()
    security_event("2fa_disabled_by_operator", user_id=user.id)
    click.echo(f"Two-factor login is now off for {user.username}; their sessions ended.")


@users_group.command("mail-test")
@click.argument("address")
def mail_test_command(address: str) -> None:
    """Send a test message to ADDRESS with the configured MAIL_* settings."""
    settings = MailSettings.from_config(current_app.config)
    if settings is None:
        raise click.ClickException("mail is not configured (set MAIL_SERVER and MAIL_FROM)")
    try:
        send_now(settings, address, "Test message", "The expenses app can send mail.\n")
    except Exception as exc:  # every failure becomes one line, never a traceback
        raise click.ClickException(f"sending failed: {type(exc).__name__}: {exc}") from None
    click.echo(f"Sent a test message to {address} through {settings.server}:{settings.port}.")
