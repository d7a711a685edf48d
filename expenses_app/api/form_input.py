"""JSON bodies checked by the pages' own forms, so the API applies the very same rules.

The schema has already checked types and formats; the values are written
back as the text a browser would post and validated by the form class the
page uses (its choices come from the ledger, its name checks from the
services). A form error becomes a 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from werkzeug.datastructures import MultiDict

from ..form_base import AppForm
from ..money import format_plain
from .problems import InvalidInput

F = TypeVar("F", bound=AppForm)
# What a page posts for a checked box; an unchecked one is absent.
CHECKED = "y"


def as_text(value: Any) -> str | None:
    """A JSON value as a browser would post it (None: the field is left out)."""
    if value is None or value is False:
        return None
    if value is True:
        return CHECKED
    if isinstance(value, Decimal):
        return format_plain(value)
    if isinstance(value, dt.date | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def posted(values: Mapping[str, Any]) -> MultiDict:
    """The form data a browser would send for `values`."""
    pairs: Iterable[tuple[str, str]] = (
        (name, text) for name, value in values.items() if (text := as_text(value)) is not None
    )
    return MultiDict(list(pairs))


def validated(form_class: type[F], values: Mapping[str, Any], **context: Any) -> F:
    """`form_class` filled with `values` and validated (no CSRF: bearer tokens only);
    InvalidInput (422) with the form's errors when they are not valid."""
    form = form_class(formdata=posted(values), meta={"csrf": False}, **context)
    if not form.validate():
        errors = {name: list(messages) for name, messages in form.errors.items()}
        raise InvalidInput(errors)
    return form


def merged(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A PATCH: the object's current values with the fields sent replaced."""
    return {**current, **changes}
