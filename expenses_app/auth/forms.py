"""Account forms. Field names are the contract's."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError

from ..form_base import AppForm
from ..models import EMAIL_MAX_LENGTH, FULL_NAME_MAX_LENGTH, USERNAME_MAX_LENGTH
from .password_policy import MAX_LENGTH, MIN_LENGTH, password_problem, personal_words
from .passwords import verify_password
from .services import (
    USERNAME_RULE,
    email_taken,
    is_valid_email,
    is_valid_username,
    normalise_email,
    username_taken,
)

PASSWORD_HELP = (
    f"At least {MIN_LENGTH} characters; a few unrelated words make a strong, memorable one."
)


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def email_field(label: str = "Email") -> StringField:
    return StringField(
        label,
        filters=[_strip],
        validators=[InputRequired(), Length(max=EMAIL_MAX_LENGTH)],
        render_kw={"autocomplete": "email", "type": "email", "inputmode": "email"},
    )


def new_password_field(label: str) -> PasswordField:
    # Length is checked by password_problem so every rule speaks with one voice;
    # the Length validator only keeps absurd inputs away from the hasher.
    return PasswordField(
        label,
        validators=[InputRequired(), Length(max=4 * MAX_LENGTH)],
        description=PASSWORD_HELP,
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH},
    )


def confirm_field(label: str, target: str) -> PasswordField:
    """The password typed again, to equal field `target`."""
    return PasswordField(
        label,
        validators=[InputRequired(), EqualTo(target, message="The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


def current_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


def _check_email_format(_form: FlaskForm, field: Field) -> None:
    if field.data and not is_valid_email(field.data):
        raise ValidationError("Enter an email address like name@example.com.")


def check_new_password(field: Field, personal: tuple[str | None, ...]) -> None:
    problem = password_problem(field.data or "", personal=personal)
    if problem:
        raise ValidationError(problem)


def check_current_password(field: Field, password_hash: str | None) -> None:
    if not password_hash or not verify_password(password_hash, field.data or ""):
        raise ValidationError("That is not your current password.")


class LoginForm(AppForm):
    login = StringField(
        "Email or username",
        # An email is the longest login there is.
        validators=[InputRequired(), Length(max=EMAIL_MAX_LENGTH)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me logged in on this device for 30 days")


class RegisterForm(AppForm):
    email = email_field()
    username = StringField(
        "Username",
        filters=[_strip],
        validators=[InputRequired(), Length(max=USERNAME_MAX_LENGTH)],
        description=f"{USERNAME_RULE}.",
        render_kw={"autocomplete": "username", "maxlength": USERNAME_MAX_LENGTH},
    )
    full_name = StringField(
        "Full name (optional)",
        filters=[_strip],
        validators=[Optional(), Length(max=FULL_NAME_MAX_LENGTH)],
        render_kw={"autocomplete": "name"},
    )
    password = new_password_field("Password")
    confirm = confirm_field("Repeat the password", "password")

    def validate_email(self, field: Field) -> None:
        _check_email_format(self, field)
        if email_taken(field.data):
            raise ValidationError("An account with this email already exists.")

    def validate_username(self, field: Field) -> None:
        if not is_valid_username(field.data):
            raise ValidationError(f"Use {USERNAME_RULE}.")
        if username_taken(field.data):
            raise ValidationError("This username is taken.")

    def validate_password(self, field: Field) -> None:
        check_new_password(field, personal_words(self.username.data, self.email.data))


class ProfileForm(AppForm):
    # Tells the two forms of the account page apart (their field names are fixed).
    form_name = HiddenField(default="profile")
    full_name = StringField(
        "Full name",
        filters=[_strip],
        validators=[Optional(), Length(max=FULL_NAME_MAX_LENGTH)],
        render_kw={"autocomplete": "name"},
    )
    email = email_field()
    # Issue 15: reset links go to the email address, so changing it takes the
    # password (a stolen session alone must not become a stolen account).
    current_password = PasswordField(
        "Current password",
        validators=[Length(max=1024)],
        description="Needed to change the email address.",
        render_kw={"autocomplete": "current-password"},
    )

    def __init__(
        self, *args, user_id=None, password_hash=None, current_email=None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user_id = user_id
        self.password_hash = password_hash
        self.current_email = current_email

    def email_changes(self) -> bool:
        return normalise_email(self.email.data or "") != self.current_email

    def validate_email(self, field: Field) -> None:
        _check_email_format(self, field)
        if email_taken(field.data, except_user_id=self.user_id):
            raise ValidationError("Another account uses this email.")

    def validate_current_password(self, field: Field) -> None:
        if self.email_changes():
            check_current_password(field, self.password_hash)


class PasswordChangeForm(AppForm):
    form_name = HiddenField(default="password")
    current_password = current_password_field("Current password")
    new_password = new_password_field("New password")
    confirm = confirm_field("Repeat the new password", "new_password")

    def __init__(
        self, *args, password_hash: str, personal: tuple[str | None, ...] = (), **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.password_hash = password_hash
        self.personal = personal

    def validate_current_password(self, field: Field) -> None:
        check_current_password(field, self.password_hash)

    def validate_new_password(self, field: Field) -> None:
        check_new_password(field, self.personal)


class DeleteAccountForm(AppForm):
    password = PasswordField(
        "Your password",
        validators=[InputRequired(), Length(max=1024)],
        description="Deleting the account removes every expense, category, budget and "
        "receipt in it. This cannot be undone.",
        render_kw={"autocomplete": "current-password"},
    )

    def __init__(self, *args, password_hash: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.password_hash = password_hash

    def validate_password(self, field: Field) -> None:
        check_current_password(field, self.password_hash)
