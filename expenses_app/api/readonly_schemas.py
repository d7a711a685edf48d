"""The shapes of the API's read-only resources: recurring rules and statement imports.

Rules and imports are set up and changed on their pages (`/recurring/`,
`/imports/`); the API only reads them. Kept apart from `schemas.py`, whose
resources the API also writes.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..models import FREQUENCIES, IMPORT_KINDS, IMPORT_STATUSES, MODES, PAYMENT_METHODS
from .schemas import money_string

HIDDEN_WHEN_MASKED = "Null on another member's private rule."


class RecurringRuleSchema(Schema):
    """A recurring rule as the /recurring/ page shows it: another member's private rule
    reads `Private expense`, with no payment method (`other`), tags, notes or timestamps."""

    id = fields.UUID(required=True)
    description = fields.String(required=True)
    amount = money_string(required=True)
    category_id = fields.UUID(required=True)
    payment_method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    tags = fields.List(fields.String(), required=True)
    notes = fields.String(required=True, allow_none=True)
    private = fields.Boolean(required=True)
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    interval = fields.Integer(required=True, metadata={"description": "Every `interval` units."})
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True, allow_none=True)
    mode = fields.String(
        required=True,
        validate=validate.OneOf(MODES),
        metadata={"description": "`auto` posts by itself, `confirm` waits for a member."},
    )
    next_date = fields.Date(
        required=True,
        allow_none=True,
        metadata={"description": "The first date not posted or skipped; null once ended."},
    )
    schedule = fields.String(
        required=True,
        metadata={"description": "In words, as on the page.", "example": "Every month on day 1"},
    )
    created_by = fields.UUID(required=True, allow_none=True)
    created_at = fields.DateTime(
        required=True, allow_none=True, metadata={"description": HIDDEN_WHEN_MASKED}
    )
    updated_at = fields.DateTime(
        required=True, allow_none=True, metadata={"description": HIDDEN_WHEN_MASKED}
    )


class RecurringRuleListSchema(Schema):
    data = fields.List(fields.Nested(RecurringRuleSchema), required=True)


class ImportSchema(Schema):
    """A bank statement import, as the /imports/ page lists it."""

    id = fields.UUID(required=True)
    filename = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(IMPORT_KINDS))
    status = fields.String(required=True, validate=validate.OneOf(IMPORT_STATUSES))
    row_count = fields.Integer(
        required=True, metadata={"description": "Transactions read from the file."}
    )
    added_count = fields.Integer(
        required=True, metadata={"description": "Expenses the commit added."}
    )
    created_by = fields.UUID(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    committed_at = fields.DateTime(required=True, allow_none=True)


class ImportDetailSchema(ImportSchema):
    """An import with the expenses its commit added (still named after an undo)."""

    expense_ids = fields.List(fields.UUID(), required=True)


class ImportListSchema(Schema):
    data = fields.List(fields.Nested(ImportSchema), required=True)
