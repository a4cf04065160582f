"""Gapless invoice numbers: one series per cooperative per calendar year.

A number reads ``<prefix>-<year>-<sequence:05d>`` (``UTS-2026-00001``); invoices and credit
notes share the series. Dutch rules ask for a unique, sequential number; a series per year is
allowed and keeps numbers short, and the year in the number says which series it belongs to.

Gapless under concurrency: the counter row is created or incremented with one
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` in the transaction that stores the document.
On PostgreSQL the update takes the row lock a ``SELECT ... FOR UPDATE`` would, so a second issuer waits until the first commits (and then
counts on from its number) or rolls back (and then takes the same number). SQLite has a single
writer. Either way, a rolled-back issue consumes no number.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite

from coopshop.cooperatives.models import Cooperative
from coopshop.extensions import db
from coopshop.invoicing.models import InvoiceSeries


class InvoiceNumber(NamedTuple):
    """A number in a series: the series year, its place in the series, and how it is printed."""

    year: int
    sequence: int
    text: str


def format_number(prefix: str, year: int, sequence: int) -> str:
    """``UTS-2026-00042``: the cooperative's prefix, the series year, five digits at least."""
    return f"{prefix}-{year}-{sequence:05d}"


def take_next_number(cooperative: Cooperative, year: int) -> InvoiceNumber:
    """Take the next number of the cooperative's series for ``year`` and return it.

    Locks the series row until the transaction ends; the caller stores the document in the
    same transaction, so a rollback gives the number back. Adds and flushes only.
    """
    return take_numbers(cooperative, year, 1)[0]


def take_numbers(cooperative: Cooperative, year: int, count: int) -> list[InvoiceNumber]:
    """Take the next ``count`` numbers of the series at once, in order (several payments
    handled together): one statement, the same lock as :func:`take_next_number`."""
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count!r}")
    dialect = db.session.get_bind().dialect.name
    last = db.session.execute(
        _next_number_statement(dialect),
        {"cooperative_id": cooperative.id, "year": year, "count": count},
    ).scalar_one()
    return [
        InvoiceNumber(year, sequence, format_number(cooperative.invoice_prefix, year, sequence))
        for sequence in range(last - count + 1, last + 1)
    ]


@cache
def _next_number_statement(dialect: str) -> Any:
    """One statement: the year's counter starts at ``count``, or the existing one goes up by
    ``count``.

    ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: two first issuers of a year both end up
    on the one row (the second waits for the first's insert on PostgreSQL, then increments it)
    instead of one failing; later issuers wait for the row lock of the one before them.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = InvoiceSeries.__table__
    statement = insert(table).values(
        cooperative_id=bindparam("cooperative_id"),
        year=bindparam("year"),
        last_number=bindparam("count"),
    )
    return statement.on_conflict_do_update(
        index_elements=["cooperative_id", "year"],
        set_={"last_number": table.c.last_number + statement.excluded.last_number},
    ).returning(table.c.last_number)
