"""Inserting many rows in one statement and getting their new ids back.

The companion of :mod:`coopshop.bulk_insert` for rows whose ids (or whose conflicts) the caller
needs. ``COPY`` returns nothing, and on PostgreSQL a multi-row ``INSERT ... VALUES ...
RETURNING`` of a hundred invoices carries thousands of parameters, which psycopg parses in
Python anew for every statement of a new length (about a millisecond per event in the
webhook's batches). One JSON parameter holding every row keeps the statement short and the
same whatever the number of rows:

    INSERT INTO invoice (number, ...) SELECT number, ...
    FROM json_populate_recordset(NULL::invoice, :rows) RETURNING number, id

the JSON made by the standard library's C encoder, each value converted to its column's own
type by the server. SQLite takes SQLAlchemy's multi-row INSERT with plain ``?`` parameters,
which costs little there. Adds only; the caller's transaction commits.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.dialects import sqlite

from coopshop.extensions import db


def insert_rows_returning(
    table: Table,
    rows: list[dict[str, Any]],
    returning: tuple[str, ...],
    *,
    skip_conflicts_on: str | None = None,
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (dicts with the same keys; int, str, bool, None, dates and times) into
    ``table`` and return the ``returning`` columns of the rows inserted, in no particular
    order: return a key to match them back by. With ``skip_conflicts_on`` a row whose value in
    that unique column exists already is left out (ON CONFLICT DO NOTHING) and returns
    nothing."""
    if not rows:
        return []
    dialect = db.session.get_bind().dialect
    if dialect.name != "postgresql":
        statement = sqlite.insert(table) if dialect.name == "sqlite" else insert(table)
        if skip_conflicts_on:
            statement = statement.on_conflict_do_nothing(index_elements=[skip_conflicts_on])
        columns = [table.c[name] for name in returning]
        return [tuple(row) for row in db.session.execute(statement.returning(*columns), rows)]
    quote = dialect.identifier_preparer
    name = quote.format_table(table)
    columns = ", ".join(quote.quote(column) for column in rows[0])
    conflict = (
        f" ON CONFLICT ({quote.quote(skip_conflicts_on)}) DO NOTHING" if skip_conflicts_on else ""
    )
    statement = text(
        f"INSERT INTO {name} ({columns}) SELECT {columns} "
        f"FROM json_populate_recordset(NULL::{name}, CAST(:rows AS json)){conflict} "
        f"RETURNING {', '.join(quote.quote(column) for column in returning)}"
    )
    payload = json.dumps(rows, separators=(",", ":"), default=_iso)
    return [tuple(row) for row in db.session.execute(statement, {"rows": payload})]


def _iso(value: Any) -> str:
    if isinstance(value, date):  # a datetime is a date too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot travel as JSON: {value!r}")
