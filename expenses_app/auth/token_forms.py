"""The form that creates a personal access token (issue 16). Field names are the contract's."""

from __future__ import annotations

from wtforms import Field, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..form_base import AppForm
from ..models import TOKEN_NAME_MAX_LENGTH
from .passwords import verify_password

SCOPE_LABELS = {"read": "Read only", "read_write": "Read and write"}
EXPIRY_LABELS = {"30d": "In 30 days", "1y": "In a year", "never": "Never"}


class TokenForm(AppForm):
    name = StringField(
        "Name",
        filters=[lambda text: " ".join(text.split()) if isinstance(text, str) else text],
        validators=[
            DataRequired("Name the token, e.g. after the app that uses it."),
            Length(max=TOKEN_NAME_MAX_LENGTH),
        ],
        render_kw={"autocomplete": "off", "maxlength": TOKEN_NAME_MAX_LENGTH},
    )
    scope = SelectField(
        "Access",
        choices=[SelectChoice(value, label) for value, label in SCOPE_LABELS.items()],
        default="read",
    )
    expires = SelectField(
        "Expires",
        choices=[SelectChoice(value, label) for value, label in EXPIRY_LABELS.items()],
        default="1y",
    )
    # A recent login: whoever finds an unlocked browser cannot mint a lasting key.
    password = PasswordField(
        "Your password",
        validators=[InputRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )

    def __init__(self, *args, password_hash: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.password_hash = password_hash

    def validate_password(self, field: Field) -> None:
        if not verify_password(self.password_hash, field.data or ""):
            raise ValidationError("That is not your current password.")
