"""Many rows in one bound parameter: a JSON array of arrays read as a table in SQL.

The CSV import sends its 10,000 rows this way. An executemany would convert
every value through its column type in Python and send the rows in batches
(PostgreSQL) or one by one (SQLite); here one statement carries them all as
one JSON text, with no limit on bound parameters, and the database converts
the values itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Text, bindparam, cast, func, literal_column, type_coerce
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.sql.functions import TableValuedAlias
from sqlalchemy.types import TypeEngine

from ..database import dialect_name

_COMPACT = (",", ":")


class JsonRows:
    """`rows` (lists of JSON-ready values) as a table: `table`, `columns`, `position`.

    Values must be spelled as the database stores them on SQLite, which
    compares JSON text as it is: dates in ISO format, UUIDs as 32 hex
    digits, money in whole cents. PostgreSQL reads the same spellings.
    """

    def __init__(self, rows: Sequence[Sequence[Any]], types: Sequence[TypeEngine[Any]]) -> None:
        """`types[n]` is what the database converts the n-th value of each row to."""
        payload = bindparam(None, json.dumps(rows, ensure_ascii=False, separators=_COMPACT), Text)
        self.table: TableValuedAlias
        self.columns: list[ColumnElement[Any]]
        if dialect_name() == "postgresql":
            self.table = (
                func.json_array_elements(cast(payload, JSON))
                .table_valued("value", with_ordinality="position")
                .render_derived()
            )
            value = self.table.c.value
            self.columns = [
                cast(value.op("->>")(literal_column(str(n))), type_)
                for n, type_ in enumerate(types)
            ]
            self.position = self.table.c.position - 1
        else:
            self.table = func.json_each(payload).table_valued("key", "value")
            value = self.table.c.value
            self.columns = [
                type_coerce(func.json_extract(value, f"$[{n}]"), type_)
                for n, type_ in enumerate(types)
            ]
            self.position = self.table.c.key
