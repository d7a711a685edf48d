"""Recurring rules over the API, read-only: set up and changed on the /recurring/ pages."""

from __future__ import annotations

import uuid

from ..models import RecurringRule
from ..recurring.queries import ROW_OPTIONS, rule_row, rule_rows
from ..scoping import current_scope
from .blueprint import COMMON, bp, problems
from .loading import in_ledger_or_404
from .readonly_schemas import RecurringRuleListSchema, RecurringRuleSchema
from .serialize import rule_json

PATH = "/ledgers/<uuid:ledger_id>/recurring"


@bp.route(PATH, methods=["GET"], endpoint="list_recurring_rules")
@bp.doc(summary="The ledger's recurring rules, by description, as the /recurring/ page lists them")
@problems(*COMMON)
@bp.response(200, RecurringRuleListSchema)
def list_recurring_rules(ledger_id: uuid.UUID):
    return {"data": [rule_json(row) for row in rule_rows(current_scope())]}


@bp.route(f"{PATH}/<uuid:rule_id>", methods=["GET"], endpoint="get_recurring_rule")
@bp.doc(summary="One recurring rule (another member's private rule masked)")
@problems(*COMMON)
@bp.response(200, RecurringRuleSchema)
def get_recurring_rule(ledger_id: uuid.UUID, rule_id: uuid.UUID):
    rule = in_ledger_or_404(RecurringRule, rule_id, *ROW_OPTIONS)
    return rule_json(rule_row(rule, current_scope().user_id))
