"""Ledger forms: name, deletion with the password, invitation and member roles."""

from __future__ import annotations

from typing import Any

from wtforms import Field, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..auth.passwords import verify_password
from ..form_base import CONTROL_CHARACTERS_MESSAGE, AppForm, has_control_characters
from ..models import INVITE_ROLES, LEDGER_NAME_MAX_LENGTH, ROLE_LABELS, ROLES


def _strip(text: str | None) -> str | None:
    return text.strip() if isinstance(text, str) else text


def _check_one_line(_form: AppForm, field: Field) -> None:
    # AppForm lets tabs and line breaks through (text areas need them); a name is one line.
    if field.data and has_control_characters(field.data, one_line=True):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE)


def _choices(roles: tuple[str, ...]) -> list[SelectChoice]:
    return [SelectChoice(role, ROLE_LABELS[role]) for role in roles]


class RoleField(SelectField):
    """A role from a fixed list; anything else is refused with words a person can act on."""

    def pre_validate(self, form: Any) -> None:
        if self.data not in {choice.value for choice in self.choices}:
            names = [choice.label.lower() for choice in self.choices]
            raise ValidationError(f"Choose {', '.join(names[:-1])} or {names[-1]}.")


class LedgerForm(AppForm):
    name = StringField(
        "Name",
        filters=[_strip],
        validators=[
            DataRequired("Enter a name."),
            Length(max=LEDGER_NAME_MAX_LENGTH),
            _check_one_line,
        ],
        description="What the household calls these books, e.g. “Household” or “Holiday 2026”.",
        render_kw={"autocomplete": "off", "maxlength": LEDGER_NAME_MAX_LENGTH},
    )


class DeleteLedgerForm(AppForm):
    password = PasswordField(
        "Your password",
        validators=[InputRequired("Enter your password."), Length(max=1024)],
        description="Deleting the ledger removes every expense, category, budget and receipt "
        "in it, for every member. This cannot be undone.",
        render_kw={"autocomplete": "current-password"},
    )

    def __init__(self, *args: Any, password_hash: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._password_hash = password_hash

    def validate_password(self, field: Field) -> None:
        if not verify_password(self._password_hash, field.data or ""):
            raise ValidationError("That is not your password.")


class InviteForm(AppForm):
    role = RoleField(
        "Role",
        choices=_choices(INVITE_ROLES),
        default="member",
        description="Members add and change expenses, categories and budgets; "
        "viewers only read. Make someone an owner once they have joined.",
    )


class RoleForm(AppForm):
    role = RoleField("Role", choices=_choices(ROLES))
