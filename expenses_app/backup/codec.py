"""Column values to JSON and back, the same way on SQLite and PostgreSQL.

Generic over column types, so tables added later are backed up without code
here. Money is written as its raw whole cents, so no value ever passes
through a float; datetimes as ISO 8601 in UTC; bytes as base64. A column of a
type this module cannot write exactly stops the backup instead of losing data.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, ColumnElement, Table, type_coerce
from sqlalchemy.types import TypeDecorator, TypeEngine

from ..models import Money

Decoder = Callable[[Any], Any]
_COMPACT = (",", ":")


def selectable_column(column: Column[Any]) -> ColumnElement[Any]:
    """The expression to SELECT for `column`: money as its stored cents."""
    if isinstance(column.type, Money):
        return type_coerce(column, BigInteger()).label(column.name)
    return column


def _encode_value(value: Any) -> Any:
    # `json.dumps(default=...)` hook: only called for types JSON lacks.
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise TypeError("a naive datetime cannot be backed up exactly")
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def encode_row(values: tuple[Any, ...]) -> bytes:
    """One row as a compact JSON array line (column order given by the manifest)."""
    line = json.dumps(list(values), default=_encode_value, ensure_ascii=False, separators=_COMPACT)
    return line.encode("utf-8") + b"\n"


def _python_type(sql_type: TypeEngine[Any]) -> type | None:
    if isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    try:
        return sql_type.python_type
    except NotImplementedError:
        return None


def _decoder_for(column: Column[Any]) -> Decoder | None:
    """How to turn a JSON value back into what the column's type accepts."""
    if isinstance(column.type, Money):
        return lambda cents: Decimal(int(cents)).scaleb(-2)
    python_type = _python_type(column.type)
    if python_type is uuid.UUID:
        return uuid.UUID
    if python_type is dt.datetime:
        return dt.datetime.fromisoformat
    if python_type is dt.date:
        return dt.date.fromisoformat
    if python_type is bytes:
        return base64.b64decode
    if python_type is Decimal:
        return Decimal
    return None


def row_decoder(table: Table, column_names: list[str]) -> Callable[[list[Any]], dict[str, Any]]:
    """A function turning one backed-up row (a JSON array) into insert parameters."""
    columns = [table.c[name] for name in column_names]
    decoders = [(column.key, _decoder_for(column)) for column in columns]

    def decode(values: list[Any]) -> dict[str, Any]:
        return {
            key: value if decoder is None or value is None else decoder(value)
            for (key, decoder), value in zip(decoders, values, strict=True)
        }

    return decode
