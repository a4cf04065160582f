"""Inserting many rows (ledger postings, report lines) in one statement per table.

SQLite takes the driver's ``executemany`` in process, cheaply. On PostgreSQL psycopg sends an
``executemany`` as one INSERT per row, and a multi-row ``VALUES`` list is no better (the server
parses and plans thousands of parameters; arrays per column cost as much again in psycopg's
Python array dumping). What is fast there is one JSON parameter holding every row:

    INSERT INTO settlement_line (report_id, member_id, ...)
    SELECT report_id, member_id, ... FROM json_populate_recordset(NULL::settlement_line, :rows)

one statement and one plan whatever the number of rows, the JSON made by the standard
library's C encoder, and each value converted to its column's own type by the server. Adds
only; the caller's transaction commits.
"""

from __future__ import annotations

import json
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert, text

from coopshop.extensions import db


def insert_rows(table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table``: dicts with the same keys (two or more columns), with
    plain values only, int, str, bool or None (on PostgreSQL they travel as JSON: json.dumps
    raises TypeError for anything else)."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect
    quote = dialect.identifier_preparer
    name = quote.format_table(table)
    columns = ", ".join(quote.quote(column) for column in rows[0])
    if dialect.name == "postgresql":
        statement = text(
            f"INSERT INTO {name} ({columns}) SELECT {columns} "
            f"FROM json_populate_recordset(NULL::{name}, CAST(:rows AS json))"
        )
        db.session.execute(statement, {"rows": json.dumps(rows, separators=(",", ":"))})
    elif dialect.paramstyle == "qmark":
        # SQLite: the driver's own executemany, without SQLAlchemy's work per row.
        values = ", ".join("?" * len(rows[0]))
        get = itemgetter(*rows[0])
        sql = f"INSERT INTO {name} ({columns}) VALUES ({values})"
        db.session.connection().exec_driver_sql(sql, [get(row) for row in rows])
    else:
        db.session.execute(insert(table), rows)
