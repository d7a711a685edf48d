"""Category forms: create/edit and the delete form with its `move_to` choice."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import ColorField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from ..form_base import AppForm, VersionField
from ..form_choices import as_uuid
from .services import DEFAULT_COLOR, CategoryValues, is_name_taken

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# PostgreSQL refuses NUL in text, and no other control character belongs in a
# one-line name (whitespace is collapsed by the filter before this runs).
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text is not None else None


def _strip(text: str | None) -> str | None:
    return text.strip() if text is not None else None


def _no_control_characters(form: FlaskForm, field: Any) -> None:
    if field.data and _CONTROL_CHARS.search(field.data):
        raise ValidationError("Remove the control characters from this field.")


class CategoryForm(AppForm):
    name = StringField(
        "Name",
        filters=[_one_line],
        validators=[DataRequired("Enter a name."), Length(max=50), _no_control_characters],
        render_kw={"autocomplete": "off", "maxlength": 50},
    )
    color = ColorField(
        "Colour",
        default=DEFAULT_COLOR,
        filters=[_strip],
        validators=[
            InputRequired("Choose a colour."),
            Regexp(COLOR_RE, message="Use a colour like #1a2b3c."),
        ],
        description="Shown as a dot next to the name; the name and icon always show too.",
    )
    icon = StringField(
        "Icon",
        filters=[_strip],
        validators=[Optional(), Length(max=16), _no_control_characters],
        description="Optional: an emoji or a few letters.",
        render_kw={"autocomplete": "off", "maxlength": 16},
    )
    description = TextAreaField(
        "Description",
        filters=[_strip],
        validators=[Optional(), Length(max=500)],
        render_kw={"maxlength": 500, "rows": 3},
    )

    def __init__(
        self, *args: Any, user_id: uuid.UUID, category_id: uuid.UUID | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self._user_id = user_id
        self._category_id = category_id

    def validate_name(self, field: StringField) -> None:
        # Only a name that passed the other checks reaches the database.
        if field.errors or not field.data:
            return
        if is_name_taken(self._user_id, field.data, exclude=self._category_id):
            raise ValidationError("You already have a category with this name.")

    def values(self) -> CategoryValues:
        return CategoryValues(
            name=self.name.data,
            color=self.color.data.lower(),
            icon=self.icon.data or None,
            description=self.description.data or None,
        )


class EditCategoryForm(CategoryForm):
    # The version the editor started from: a save based on a stale copy is refused.
    # Optional, because the contract's fields do not include it: a script that
    # posts only those gets last-write-wins, every browser form gets the check.
    version = VersionField()


class DeleteCategoryForm(AppForm):
    move_to = SelectField(
        "Move its expenses to",
        coerce=as_uuid,
        validators=[Optional()],
    )

    def __init__(self, *args: Any, choices: Sequence[tuple[uuid.UUID, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.move_to.choices = [("", "Choose a category…"), *choices]
