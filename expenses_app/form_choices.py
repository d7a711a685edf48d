"""Choice fields over the user's own rows, shared by every blueprint's forms."""

from __future__ import annotations

import uuid
from typing import Any


def as_uuid(value: Any) -> uuid.UUID | None:
    """Coercion for UUID choices: WTForms coerces both our choices and the submitted text.

    Empty means "none chosen"; any other non-UUID raises ValueError, which WTForms
    reports as an invalid choice. (`coerce=uuid.UUID` would crash on UUID choices.)
    """
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))
