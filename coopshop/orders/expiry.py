"""Orders whose payment time ran out give their stock back.

Stripe closes a session at its ``expires_at`` and sends ``checkout.session.expired``; the
simulator only closes one when asked, and an order whose payment page never opened (the
provider was down) has no session at all. ``coopshop orders expire`` closes those, so a
reservation is never held longer than the payment window.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from coopshop.extensions import db
from coopshop.models_base import utcnow
from coopshop.orders import stock
from coopshop.orders.handling import locked_order
from coopshop.orders.history import SYSTEM, change_line, change_order
from coopshop.orders.models import Order, OrderState
from coopshop.payments.gateway import PaymentProviderError, get_gateway

log = logging.getLogger(__name__)


def overdue_order_ids(limit: int = 500) -> list[int]:
    query = (
        select(Order.id)
        .where(Order.state == OrderState.AWAITING_PAYMENT, Order.payment_expires_at <= utcnow())
        .order_by(Order.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def expire_overdue() -> int:
    """Close every order still awaiting payment after its payment window; returns how many
    were closed. Each order is its own transaction, so one provider failure stops nobody else."""
    closed = 0
    for order_id in overdue_order_ids():
        try:
            closed += expire_order(order_id)
        except PaymentProviderError:
            db.session.rollback()
            log.warning("Could not expire the payment of order %s; trying again next run", order_id)
    return closed


def expire_order(order_id: int) -> bool:
    """Ask the provider to close the order's session (its expired event then closes the
    order); close it here when the session is closed already or was never made. A session
    that turns out paid is left to its webhook. Commits; True when the order was closed."""
    order = locked_order(order_id)
    if order.state != OrderState.AWAITING_PAYMENT:
        db.session.commit()
        return False
    session = None
    if order.checkout_session_id:
        session = get_gateway().expire_checkout(order.checkout_session_id)
    db.session.refresh(order)
    if order.state == OrderState.AWAITING_PAYMENT and (
        session is None or session.status == "expired"
    ):
        for line in order.lines:
            stock.release(line)
            change_line(line, "void", SYSTEM)
        change_order(order, "expire", SYSTEM)
    closed = order.state == OrderState.EXPIRED
    db.session.commit()
    return closed
