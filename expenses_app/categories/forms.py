"""Category forms: create/edit and the delete form with its `move_to` choice."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from wtforms import ColorField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..form_base import CONTROL_CHARACTERS_MESSAGE, AppForm, VersionField, has_control_characters
from ..form_choices import as_uuid
from ..models import (
    CATEGORY_DESCRIPTION_MAX_LENGTH,
    CATEGORY_NAME_MAX_LENGTH,
    DEFAULT_COLOR,
    ICON_MAX_LENGTH,
    is_hex_color,
)
from .services import CategoryValues, is_name_taken


def _one_line(text: str | None) -> str | None:
    return " ".join(text.split()) if text is not None else None


def _strip(text: str | None) -> str | None:
    return text.strip() if text is not None else None


def _check_one_line(_form: AppForm, field: Field) -> None:
    # AppForm lets tabs and line breaks through (text areas need them); an
    # icon is one short line, and its filter only trims the ends.
    if field.data and has_control_characters(field.data, one_line=True):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE)


def _check_color(_form: AppForm, field: Field) -> None:
    if not is_hex_color(field.data):
        raise ValidationError("Use a colour like #1a2b3c.")


class CategoryForm(AppForm):
    name = StringField(
        "Name",
        filters=[_one_line],
        validators=[DataRequired("Enter a name."), Length(max=CATEGORY_NAME_MAX_LENGTH)],
        render_kw={"autocomplete": "off", "maxlength": CATEGORY_NAME_MAX_LENGTH},
    )
    color = ColorField(
        "Colour",
        default=DEFAULT_COLOR,
        filters=[_strip],
        validators=[InputRequired("Choose a colour."), _check_color],
        description="Shown as a dot next to the name; the name and icon always show too.",
    )
    icon = StringField(
        "Icon",
        filters=[_strip],
        validators=[Optional(), Length(max=ICON_MAX_LENGTH), _check_one_line],
        description="Optional: an emoji or a few letters.",
        render_kw={"autocomplete": "off", "maxlength": ICON_MAX_LENGTH},
    )
    description = TextAreaField(
        "Description",
        filters=[_strip],
        validators=[Optional(), Length(max=CATEGORY_DESCRIPTION_MAX_LENGTH)],
        render_kw={"maxlength": CATEGORY_DESCRIPTION_MAX_LENGTH, "rows": 3},
    )

    def __init__(
        self, *args: Any, ledger_id: uuid.UUID, category_id: uuid.UUID | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self._ledger_id = ledger_id
        self._category_id = category_id

    def validate_name(self, field: StringField) -> None:
        # Only a name that passed the other checks reaches the database.
        if field.errors or not field.data:
            return
        if is_name_taken(self._ledger_id, field.data, exclude=self._category_id):
            raise ValidationError("You already have a category with this name.")

    def values(self) -> CategoryValues:
        return CategoryValues(
            name=self.name.data,
            color=self.color.data,
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
