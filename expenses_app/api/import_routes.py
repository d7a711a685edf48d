"""Bank statement imports over the API, read-only: uploaded, reviewed, committed and undone
on the /imports/ pages."""

from __future__ import annotations

import uuid

from ..imports.queries import RECENT_IMPORTS, added_expense_ids, recent_imports
from ..models import ImportBatch
from ..scoping import current_scope
from .blueprint import COMMON, bp, problems
from .loading import in_ledger_or_404
from .readonly_schemas import ImportDetailSchema, ImportListSchema
from .serialize import import_json

PATH = "/ledgers/<uuid:ledger_id>/imports"


@bp.route(PATH, methods=["GET"], endpoint="list_imports")
@bp.doc(summary=f"The ledger's {RECENT_IMPORTS} latest imports, newest first, as on /imports/")
@problems(*COMMON)
@bp.response(200, ImportListSchema)
def list_imports(ledger_id: uuid.UUID):
    return {"data": [import_json(batch) for batch in recent_imports(current_scope())]}


@bp.route(f"{PATH}/<uuid:import_id>", methods=["GET"], endpoint="get_import")
@bp.doc(summary="One import, with the ids of the expenses its commit added")
@problems(*COMMON)
@bp.response(200, ImportDetailSchema)
def get_import(ledger_id: uuid.UUID, import_id: uuid.UUID):
    batch = in_ledger_or_404(ImportBatch, import_id)
    return {**import_json(batch), "expense_ids": added_expense_ids(batch)}
