"""The one payment event handler: what each verified event means for an order.

Registered with ``payments.webhooks.register_handler`` at app start. It runs inside the
transaction of whoever delivered the event (the webhook endpoint, or the simulator's page) and
never commits. Every event is remembered by its id first, so a repeated event changes nothing;
every change checks the order's state, so retries and out-of-order delivery are harmless:

====================================================  =========================================
event                                                 order in state → what happens
====================================================  =========================================
checkout.session.completed (payment_status paid)      awaiting payment → paid: reservations
checkout.session.async_payment_succeeded              become sales, one invoice per cooperative
                                                      (booked), e-mails queued.
                                                      expired / failed → the stock is reserved
                                                      again and the order paid as above, or,
                                                      when it is gone, the payment is refunded
                                                      at once. Paid or later → nothing.
checkout.session.completed (payment_status unpaid)    nothing yet: an async method is pending
checkout.session.async_payment_failed                 awaiting payment → failed; reservations
                                                      released, lines void. Otherwise nothing.
checkout.session.expired                              awaiting payment → expired; as above.
charge.refunded                                       the refunds it lists are confirmed.
anything else, or an order we do not know             nothing (the event is stored).
====================================================  =========================================
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from coopshop.extensions import db
from coopshop.orders import stock
from coopshop.orders.confirmation import confirm_payment
from coopshop.orders.history import PAYMENT_PROVIDER, change_line, change_order
from coopshop.orders.models import Order, OrderState
from coopshop.orders.refunds import confirm_refunds
from coopshop.payments.gateway import VerifiedEvent
from coopshop.payments.webhooks import mark_event_processed, remember_event

log = logging.getLogger(__name__)
PAID_STATUSES = ("paid", "no_payment_required")


def handle_payment_event(event: VerifiedEvent) -> None:
    """Act on a verified event once; see the module docstring. Adds and flushes only."""
    if not remember_event(event):
        return
    handler = HANDLERS.get(event.type)
    if handler is not None:
        handler(event.data_object)
    mark_event_processed(event)


def order_of_session(session: dict[str, Any]) -> Order | None:
    """The order a checkout session is for, locked; None when the session is not ours.

    The order id in the metadata must come with that order's own reference, so an event can
    only ever touch the order it was created for.
    """
    metadata = session.get("metadata") or {}
    order_id, reference = metadata.get("order_id"), metadata.get("reference")
    if not (isinstance(order_id, str) and order_id.isdigit() and reference):
        log.info("Payment event for session %s without an order", session.get("id"))
        return None
    # The lines come in the same query (only the order's row is locked: FOR UPDATE OF).
    order = (
        db.session.scalars(
            select(Order)
            .where(Order.id == int(order_id), Order.reference == reference)
            .options(joinedload(Order.lines))
            .with_for_update(of=Order)
            .execution_options(populate_existing=True)
        )
        .unique()
        .one_or_none()
    )
    if order is None:
        log.warning("Payment event for unknown order %s (%s)", order_id, reference)
    return order


def on_completed(session: dict[str, Any]) -> None:
    if session.get("payment_status") in PAID_STATUSES:
        on_paid(session)


def on_paid(session: dict[str, Any]) -> None:
    order = order_of_session(session)
    if order is not None:
        confirm_payment(order, session)


def on_failed(session: dict[str, Any]) -> None:
    close_unpaid(session, "fail")


def on_expired(session: dict[str, Any]) -> None:
    close_unpaid(session, "expire")


def close_unpaid(session: dict[str, Any], action: str) -> None:
    """An order still awaiting payment gives its stock back; its lines become void."""
    order = order_of_session(session)
    if order is None or order.state != OrderState.AWAITING_PAYMENT:
        return
    for line in order.lines:
        stock.release(line)
        change_line(line, "void", PAYMENT_PROVIDER)
    change_order(order, action, PAYMENT_PROVIDER)
    db.session.flush()


def on_refunded(charge: dict[str, Any]) -> None:
    confirm_refunds(charge)


HANDLERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "checkout.session.completed": on_completed,
    "checkout.session.async_payment_succeeded": on_paid,
    "checkout.session.async_payment_failed": on_failed,
    "checkout.session.expired": on_expired,
    "charge.refunded": on_refunded,
}
