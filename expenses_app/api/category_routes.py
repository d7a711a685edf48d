"""Categories over the API: the category form's fields and the category services."""

from __future__ import annotations

import uuid

from flask import Response
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Conflict

from ..categories.forms import CategoryForm
from ..categories.services import (
    CategoryInUseError,
    create_category,
    delete_category,
    ledger_categories,
    update_category,
)
from ..extensions import db
from ..models import Category
from ..scoping import current_scope, writable_scope
from ..versioning import EditConflict
from .blueprint import COMMON, WRITES, bp, idempotent_post, problems
from .form_input import InvalidInput, merged, validated
from .loading import in_ledger_or_404
from .schemas import CategoryInSchema, CategoryListSchema, CategoryPatchSchema, CategorySchema
from .serialize import category_json

PATH = "/ledgers/<uuid:ledger_id>/categories"
NAME_TAKEN = {"name": ["You already have a category with this name."]}


def _form_values(category: Category) -> dict:
    return {
        "name": category.name,
        "color": category.color,
        "icon": category.icon,
        "description": category.description,
    }


@bp.route(PATH, methods=["GET"], endpoint="list_categories")
@problems(*COMMON)
@bp.response(200, CategoryListSchema)
def list_categories(ledger_id: uuid.UUID):
    categories = ledger_categories(current_scope().ledger_id)
    return {"data": [category_json(category) for category in categories]}


@bp.route(PATH, methods=["POST"], endpoint="create_category")
@idempotent_post
@bp.arguments(CategoryInSchema)
@problems(*WRITES, 409, 422)
@bp.response(201, CategorySchema)
def create_category_view(values: dict, ledger_id: uuid.UUID):
    scope = writable_scope()
    form = validated(CategoryForm, values, ledger_id=scope.ledger_id)
    try:
        category = create_category(scope.ledger_id, form.values())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InvalidInput(NAME_TAKEN) from None
    return category_json(category)


@bp.route(f"{PATH}/<uuid:category_id>", methods=["GET"], endpoint="get_category")
@problems(*COMMON)
@bp.response(200, CategorySchema)
def get_category(ledger_id: uuid.UUID, category_id: uuid.UUID):
    return category_json(in_ledger_or_404(Category, category_id))


@bp.route(f"{PATH}/<uuid:category_id>", methods=["PATCH"], endpoint="update_category")
@bp.arguments(CategoryPatchSchema(partial=True))
@problems(*WRITES, 409, 422)
@bp.response(200, CategorySchema)
def update_category_view(changes: dict, ledger_id: uuid.UUID, category_id: uuid.UUID):
    category = in_ledger_or_404(Category, category_id)
    writable_scope()
    values = merged(_form_values(category), changes)
    form = validated(CategoryForm, values, ledger_id=ledger_id, category_id=category.id)
    try:
        update_category(category, form.values())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InvalidInput(NAME_TAKEN) from None
    except EditConflict:
        db.session.rollback()
        raise Conflict("Someone changed this category at the same moment; try again.") from None
    return category_json(category)


@bp.route(f"{PATH}/<uuid:category_id>", methods=["DELETE"], endpoint="delete_category")
@problems(*WRITES, 409)
@bp.response(204)
def delete_category_view(ledger_id: uuid.UUID, category_id: uuid.UUID):
    category = in_ledger_or_404(Category, category_id)
    writable_scope()
    try:
        delete_category(category)
    except CategoryInUseError as exc:
        db.session.rollback()
        raise Conflict(
            f"{exc.expense_count} expenses (the trash included) use this category: "
            "move them to another category on the categories page first."
        ) from None
    db.session.commit()
    return Response(status=204)
