"""Gapless invoice numbers: one series per cooperative per calendar year.

A number reads ``<prefix>-<year>-<sequence:05d>`` (``UTS-2026-00001``); invoices and credit
notes share the series. Dutch rules ask for a unique, sequential number; a series per year is
allowed and keeps numbers short, and the year in the number says which series it belongs to.

Gapless under concurrency: the counter row is incremented with ``UPDATE ... RETURNING`` in the
transaction that stores the document. On PostgreSQL the UPDATE takes the row lock a
``SELECT ... FOR UPDATE`` would, so a second issuer waits until the first commits (and then
counts on from its number) or rolls back (and then takes the same number). SQLite has a single
writer. Either way, a rolled-back issue consumes no number.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import update
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
    _create_series_unless_exists(cooperative.id, year)
    series = InvoiceSeries.__table__.c
    statement = (
        update(InvoiceSeries.__table__)
        .where(series.cooperative_id == cooperative.id, series.year == year)
        .values(last_number=series.last_number + 1)
        .returning(series.last_number)
    )
    sequence = db.session.execute(statement).scalar_one()
    return InvoiceNumber(year, sequence, format_number(cooperative.invoice_prefix, year, sequence))


def _create_series_unless_exists(cooperative_id: int, year: int) -> None:
    """Insert the year's counter at 0, unless it exists.

    ``ON CONFLICT DO NOTHING``: two first issuers of a year both end up on the one row (the
    second waits for the first's insert on PostgreSQL) instead of one failing.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(InvoiceSeries.__table__)
        .values(cooperative_id=cooperative_id, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["cooperative_id", "year"])
    )
    db.session.execute(statement)
