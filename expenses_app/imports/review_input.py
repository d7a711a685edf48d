"""The review form's per-line fields (`include_<n>`, `category_<n>`) as plain choices."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .commit import CommitChoices, CommitError
from .forms import CommitForm, as_uuid

_INCLUDE = re.compile(r"^include_([1-9][0-9]{0,6})$")


def commit_choices(data: Mapping[str, str], form: CommitForm) -> CommitChoices:
    """Which lines are included, each with its category (None: the default); CommitError
    for an `include_` that names no line or a category that is not an id."""
    included = {}
    for key in data:
        if not key.startswith("include_"):
            continue
        match = _INCLUDE.match(key)
        if match is None:
            raise CommitError(f"“{key[:40]}” is not a line of this import.")
        line = int(match.group(1))
        try:
            included[line] = as_uuid(data.get(f"category_{line}", ""))
        except ValueError:
            raise CommitError(f"Line {line}: that category is not one of this ledger's.") from None
    if not included:
        raise CommitError("Choose at least one line to add.")
    return CommitChoices(included, form.default_category.data, form.payment_method.data)
