"""The API's shapes in marshmallow: what flask-smorest validates, serialises and documents.

Input schemas check types and formats only (a date is a date, an amount is
a decimal string); the rules (a category of the ledger, a name not taken,
an amount above zero...) are the forms' and services', applied in
`form_input.py`, so the API never keeps a second copy of them. Output
schemas dump the plain dicts of `serialize.py`.
"""

from __future__ import annotations

import re

from marshmallow import Schema, fields, validate

from ..models import (
    CATEGORY_DESCRIPTION_MAX_LENGTH,
    CATEGORY_NAME_MAX_LENGTH,
    DEFAULT_COLOR,
    DESCRIPTION_MAX_LENGTH,
    ICON_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    PAYMENT_METHODS,
    PERIODS,
    TAG_MAX_LENGTH,
    TAGS_PER_EXPENSE,
)
from ..reads import GROUPS, MAX_PER_PAGE
from ..reads.filters import ORDERS, QUERY_MAX_LENGTH, SORTS

# `12`, `12.5`, `12.50`: what `money.parse_amount` reads (it also refuses zero and the maximum).
AMOUNT_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
# A tag is one item of the list; the form's text joins them with commas.
TAG_PATTERN = r"^[^,]+$"
API_PER_PAGE = 50
_SPACED_OFFSET = re.compile(r"T[0-9:.]+ [0-9]{2}:[0-9]{2}$")


def money_string(**kwargs) -> fields.String:
    return fields.String(
        validate=validate.Regexp(AMOUNT_PATTERN, error="Use a decimal string such as 12.50."),
        metadata={"example": "12.50", "description": "Money as a decimal string, never a float."},
        **kwargs,
    )


class JsonBoolean(fields.Boolean):
    """`true` or `false` only: marshmallow's Boolean also takes 1, "yes" or "on"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class QueryTimestamp(fields.AwareDateTime):
    """An aware timestamp in a query string, where an unencoded `+00:00` arrives as
    ` 00:00` (`+` means a space there): the space before the offset is read as `+`."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and _SPACED_OFFSET.search(value):
            value = value[:-6] + "+" + value[-5:]
        return super()._deserialize(value, attr, data, **kwargs)


class ProblemSchema(Schema):
    """RFC 9457 problem details, with `errors` for invalid input."""

    type = fields.String(metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        metadata={"description": "Invalid input only: each bad field with its messages."},
    )


class MeSchema(Schema):
    id = fields.UUID(required=True)
    username = fields.String(required=True)
    email = fields.String(required=True)


class LedgerSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(("owner", "member", "viewer")))


class LedgerListSchema(Schema):
    data = fields.List(fields.Nested(LedgerSchema), required=True)


class CategoryInSchema(Schema):
    """The category form's fields."""

    name = fields.String(required=True, validate=validate.Length(1, CATEGORY_NAME_MAX_LENGTH))
    color = fields.String(
        load_default=DEFAULT_COLOR,
        validate=validate.Regexp(COLOR_PATTERN),
        metadata={"example": DEFAULT_COLOR},
    )
    icon = fields.String(allow_none=True, validate=validate.Length(max=ICON_MAX_LENGTH))
    description = fields.String(
        allow_none=True, validate=validate.Length(max=CATEGORY_DESCRIPTION_MAX_LENGTH)
    )


class CategoryPatchSchema(CategoryInSchema):
    """A PATCH: any of the category form's fields (used with `partial=True`)."""


class CategorySchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    color = fields.String(required=True)
    icon = fields.String(required=True, allow_none=True)
    description = fields.String(required=True, allow_none=True)
    is_default = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class CategoryListSchema(Schema):
    data = fields.List(fields.Nested(CategorySchema), required=True)


class ExpenseInSchema(Schema):
    """The expense form's fields (no receipt: uploads stay on the pages)."""

    amount = money_string(required=True)
    date = fields.Date(required=True)
    category_id = fields.UUID(required=True)
    description = fields.String(required=True, validate=validate.Length(1, DESCRIPTION_MAX_LENGTH))
    payment_method = fields.String(validate=validate.OneOf(PAYMENT_METHODS))
    tags = fields.List(
        fields.String(validate=[validate.Length(1, TAG_MAX_LENGTH), validate.Regexp(TAG_PATTERN)]),
        validate=validate.Length(max=TAGS_PER_EXPENSE),
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=NOTES_MAX_LENGTH))
    private = JsonBoolean()


class ExpensePatchSchema(ExpenseInSchema):
    """A PATCH: any of the expense form's fields (used with `partial=True`)."""


class ExpenseSchema(Schema):
    """An expense as the API shows it: masked for other members as on the pages."""

    id = fields.UUID(required=True)
    date = fields.Date(required=True)
    amount = money_string(required=True)
    category_id = fields.UUID(required=True)
    description = fields.String(required=True)
    payment_method = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    notes = fields.String(required=True, allow_none=True)
    private = fields.Boolean(required=True)
    created_by = fields.UUID(required=True, allow_none=True)
    created_at = fields.DateTime(required=True, allow_none=True)
    updated_at = fields.DateTime(required=True, allow_none=True)
    has_receipt = fields.Boolean(required=True)
    deleted_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "Set on trashed expenses, which only `updated_since` lists."},
    )


class ExpenseQuerySchema(Schema):
    """The list page's filters, paging and `updated_since` (all optional)."""

    q = fields.String(validate=validate.Length(max=QUERY_MAX_LENGTH))
    category = fields.UUID()
    tag = fields.String(validate=validate.Length(max=TAG_MAX_LENGTH))
    payment_method = fields.String(validate=validate.OneOf(PAYMENT_METHODS))
    start = fields.Date()
    end = fields.Date()
    min = money_string()
    max = money_string()
    sort = fields.String(validate=validate.OneOf(SORTS))
    order = fields.String(validate=validate.OneOf(ORDERS))
    page = fields.Integer(validate=validate.Range(1, 1_000_000))
    per_page = fields.Integer(validate=validate.Range(1, MAX_PER_PAGE))
    updated_since = QueryTimestamp(
        metadata={"description": "Only expenses changed after this instant, trashed ones too."}
    )


class PageMetaSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    total_pages = fields.Integer(required=True)
    total_amount = money_string(required=True)


class PageLinksSchema(Schema):
    next = fields.String(required=True, allow_none=True)
    prev = fields.String(required=True, allow_none=True)


class ExpensePageSchema(Schema):
    data = fields.List(fields.Nested(ExpenseSchema), required=True)
    meta = fields.Nested(PageMetaSchema, required=True)
    links = fields.Nested(PageLinksSchema, required=True)


class BudgetInSchema(Schema):
    """The budget form's fields; no `category_id` (or null) is a budget for all spending."""

    category_id = fields.UUID(allow_none=True)
    amount = money_string(required=True)
    period = fields.String(required=True, validate=validate.OneOf(PERIODS))
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True)


class BudgetPatchSchema(BudgetInSchema):
    """A PATCH: any of the budget form's fields (used with `partial=True`)."""


class BudgetSchema(Schema):
    id = fields.UUID(required=True)
    category_id = fields.UUID(required=True, allow_none=True)
    amount = money_string(required=True)
    period = fields.String(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True, allow_none=True)
    spent = money_string(required=True)
    remaining = fields.String(required=True, metadata={"description": "Negative when over."})
    percent = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("ok", "warning", "over")))
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class BudgetListSchema(Schema):
    data = fields.List(fields.Nested(BudgetSchema), required=True)


class ReportQuerySchema(Schema):
    start = fields.Date()
    end = fields.Date()
    group = fields.String(validate=validate.OneOf(GROUPS))


class ReportGroupSchema(Schema):
    group = fields.String(required=True)
    total = money_string(required=True)
    count = fields.Integer(required=True)


class ReportSchema(Schema):
    groups = fields.List(fields.Nested(ReportGroupSchema), required=True)
