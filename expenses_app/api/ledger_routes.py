"""The API's description of itself, the caller, their ledgers and a ledger's reports."""

from __future__ import annotations

import uuid

from flask import jsonify, request
from flask_login import current_user

from .. import clock
from ..ledgers.services import user_ledgers
from ..reports.forms import ReportForm
from ..reports.services import build_report
from ..scoping import current_scope
from .blueprint import COMMON, bp, problems
from .problems import InvalidInput
from .schemas import LedgerListSchema, MeSchema, ReportQuerySchema, ReportSchema
from .serialize import group_json
from .setup import openapi_document


@bp.route("/openapi.json", methods=["GET"], endpoint="openapi_json")
@bp.doc(security=[], summary="This OpenAPI 3 document (no token needed)")
@bp.response(200, description="The OpenAPI document")
def openapi_json():
    return jsonify(openapi_document())


@bp.route("/me", methods=["GET"], endpoint="me")
@problems(401, 429)
@bp.response(200, MeSchema)
def me():
    return {"id": current_user.id, "username": current_user.username, "email": current_user.email}


@bp.route("/ledgers", methods=["GET"], endpoint="ledgers")
@problems(401, 429)
@bp.response(200, LedgerListSchema)
def ledgers():
    rows = user_ledgers(current_user.id)
    return {"data": [{"id": row.id, "name": row.name, "role": row.role} for row in rows]}


@bp.route("/ledgers/<uuid:ledger_id>/reports", methods=["GET"], endpoint="reports")
@bp.arguments(ReportQuerySchema, location="query")
@problems(*COMMON)
@bp.response(200, ReportSchema)
def reports(_query: dict, ledger_id: uuid.UUID):
    # The reports page's own form reads the query: its defaults and rules (end after start).
    form = ReportForm(formdata=request.args)
    if not form.validate():
        raise InvalidInput({name: list(errors) for name, errors in form.errors.items()})
    report = build_report(current_scope(), form.resolve(clock.today()))
    return {"groups": [group_json(row) for row in report.rows]}
