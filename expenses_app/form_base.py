"""The base of every form: text that no field of this app can hold is refused up front.

PostgreSQL cannot store NUL in text (psycopg raises before the query runs), so
a NUL that reached a lookup or an insert was a 500 there and not on SQLite.
No one types the other C0 control characters either. `AppForm` puts one check
first on every text field (StringField and its kin: text areas, passwords,
hidden and colour fields), so a new field cannot forget it; it stops that
field's validation before any later validator queries the database.
"""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, StringField
from wtforms.validators import StopValidation

# The C0 controls and DEL. Tab, line feed and carriage return are ordinary in
# multi-line text, so only one-line checks refuse them.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROLS_AND_BREAKS = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_CHARACTERS_MESSAGE = "Remove the control characters from this text."


def has_control_characters(text: str, *, one_line: bool = False) -> bool:
    """Whether `text` holds a C0 control character or DEL (the one check forms and imports use).

    Tab and line breaks count only when `one_line` is set. A regular
    expression, so a whole uploaded file can be checked at C speed.
    """
    return (_CONTROLS_AND_BREAKS if one_line else _CONTROLS).search(text) is not None


def refuse_control_characters(_form: Any, field: Field) -> None:
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise StopValidation(CONTROL_CHARACTERS_MESSAGE)


class AppForm(FlaskForm):
    """FlaskForm plus `refuse_control_characters` on every text field."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict) -> Field:
            # Fields here pass their validators by keyword; the class-level
            # definition is left untouched, the bound field gets the longer list.
            if issubclass(unbound_field.field_class, StringField):
                validators = unbound_field.kwargs.get("validators") or ()
                options = {**options, "validators": [refuse_control_characters, *validators]}
            return unbound_field.bind(form=form, **options)


class VersionField(HiddenField):
    """The version an edit form was opened with, sent back on save (optimistic locking).

    The contract's edit fields do not include it, so a client that sends none
    gets last-write-wins; a garbled value counts as stale, never as a match.
    """

    STALE = 0  # versions start at 1

    @property
    def expected(self) -> int | None:
        # raw_data, not data: without a submitted value, data is the object's own version.
        raw = (self.raw_data or [""])[0].strip()
        if not raw:
            return None
        return int(raw) if raw.isascii() and raw.isdigit() else self.STALE
