"""Holding stock for an order: a reservation that becomes a sale or is released.

A reservation is one conditional UPDATE: ``stock = stock - q WHERE id = :id AND stock >= q``.
The database evaluates the condition and the decrement together under the row's write lock,
so two buyers of the last item can never both get it: the second UPDATE (on PostgreSQL it
waits for the first transaction, then re-checks the condition) matches no row. Made-to-order
listings (``stock IS NULL``) have nothing to hold. Everything here adds to the caller's
transaction; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import select, update

from coopshop.catalogue.models import Listing
from coopshop.extensions import db
from coopshop.orders.errors import OutOfStock
from coopshop.orders.models import OrderLine, StockState

LISTING = Listing.__table__


def reserve(line: OrderLine) -> None:
    """Hold the line's quantity; raises OutOfStock (naming the line) when too few are left.

    A made-to-order listing holds nothing (stock state ``none``). Does not commit.
    """
    decrement = (
        update(LISTING)
        .where(LISTING.c.id == line.listing_id, LISTING.c.stock >= line.quantity)
        .values(stock=LISTING.c.stock - line.quantity)
        .returning(LISTING.c.id)
    )
    if db.session.execute(decrement).first() is not None:
        line.stock_state = StockState.RESERVED
        return
    made_to_order = db.session.scalar(
        select(LISTING.c.stock.is_(None)).where(LISTING.c.id == line.listing_id)
    )
    if not made_to_order:
        raise OutOfStock(title=line.title)
    line.stock_state = StockState.NONE


def release(line: OrderLine) -> None:
    """Give a reserved quantity back to the listing's stock; other lines are left alone.

    A listing the member has since made made-to-order stays so. Does not commit.
    """
    if line.stock_state != StockState.RESERVED:
        return
    db.session.execute(
        update(LISTING)
        .where(LISTING.c.id == line.listing_id, LISTING.c.stock.is_not(None))
        .values(stock=LISTING.c.stock + line.quantity)
    )
    line.stock_state = StockState.RELEASED


def return_to_stock(line: OrderLine) -> None:
    """A sold item that was never delivered (the buyer cancelled) goes back on the shelf."""
    if line.stock_state == StockState.SOLD:
        line.stock_state = StockState.RESERVED
        release(line)


def sell(line: OrderLine) -> None:
    """A paid reservation is a sale: the stock stays taken."""
    if line.stock_state == StockState.RESERVED:
        line.stock_state = StockState.SOLD


def reserve_all(lines: list[OrderLine]) -> None:
    """Reserve every line, or none: when one is out of stock, those already reserved in this
    call are released again and OutOfStock is raised. Does not commit."""
    done: list[OrderLine] = []
    try:
        for line in lines:
            reserve(line)
            done.append(line)
    except OutOfStock:
        for line in done:
            release(line)
        raise
