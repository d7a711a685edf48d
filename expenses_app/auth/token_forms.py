"""The form that creates a personal access token (issue 16). Field names are the contract's,
`name`, `scope` and `expires`, and `password` when the login is not recent (token_routes.py)."""

from __future__ import annotations

from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..form_base import AppForm
from ..models import TOKEN_NAME_MAX_LENGTH

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
    # Asked only when the login is older than RECENT_LOGIN: a token outlives the session,
    # so a browser left unlocked must not be enough to mint one (token_routes.py).
    password = PasswordField(
        "Your password", validators=[Optional()], render_kw={"autocomplete": "current-password"}
    )
