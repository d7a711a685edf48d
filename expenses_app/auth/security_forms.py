"""Forms of the account security pages (issue 15). Field names are the contract's."""

from __future__ import annotations

from wtforms import Field, StringField
from wtforms.validators import InputRequired, Length

from ..form_base import AppForm
from .forms import (
    check_current_password,
    check_new_password,
    confirm_field,
    current_password_field,
    email_field,
    new_password_field,
)

CODE_MAX_LENGTH = 40


def _code_field(label: str, description: str | None = None) -> StringField:
    return StringField(
        label,
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[InputRequired(), Length(max=CODE_MAX_LENGTH)],
        description=description,
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )


class _WithPassword(AppForm):
    def __init__(self, *args, password_hash: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.password_hash = password_hash

    def validate_password(self, field: Field) -> None:
        check_current_password(field, self.password_hash)


class TwoFactorEnableForm(_WithPassword):
    code = _code_field("The 6-digit code your app shows")
    password = current_password_field("Your password")


class TwoFactorConfirmForm(_WithPassword):
    """Disabling two-factor login or replacing the recovery codes: password and a code."""

    password = current_password_field("Your password")
    code = _code_field("A current 6-digit code from your app")


class TwoFactorVerifyForm(AppForm):
    code = _code_field(
        "Code", "The 6-digit code from your authenticator app, or one of your recovery codes."
    )


class ForgotPasswordForm(AppForm):
    email = email_field()


class ResetPasswordForm(AppForm):
    new_password = new_password_field("New password")
    confirm = confirm_field("Repeat the new password", "new_password")

    def __init__(self, *args, personal: tuple[str | None, ...] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.personal = personal

    def validate_new_password(self, field: Field) -> None:
        check_new_password(field, self.personal)
