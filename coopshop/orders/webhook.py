"""The one payment event handler: what each verified event means for an order.

Registered with ``payments.webhooks.register_handler`` at app start. It gets the stored
events in batches, in the order they arrived, inside the transaction that marks them
processed (the webhook's batch, or the simulator's page), and never commits. Payments does
the de-duplication by event id, so an event reaches it once; every change checks the order's
state, so retries and out-of-order delivery are harmless:

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

A run of payment confirmations for different orders is confirmed together
(``confirm_payments``): one locked query for the orders, one statement per table for their
invoices, postings and e-mails. Any other event ends the run and is handled on its own, so
the order in which events arrived is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from coopshop.extensions import db
from coopshop.orders import stock
from coopshop.orders.confirmation import confirm_payments
from coopshop.orders.history import PAYMENT_PROVIDER, change_line, change_order
from coopshop.orders.models import Order, OrderState
from coopshop.orders.refunds import confirm_refunds
from coopshop.payments.gateway import VerifiedEvent

log = logging.getLogger(__name__)
PAID_STATUSES = ("paid", "no_payment_required")


def handle_payment_events(events: list[VerifiedEvent]) -> None:
    """Act on verified events in the order given; see the module docstring. Adds and
    flushes only."""
    run: dict[tuple[str, str], dict[str, Any]] = {}  # paid sessions by order, in order
    for event in events:
        session = event.data_object
        if _confirms_payment(event):
            key = _order_key(session)
            if key in run:  # the same order twice: the first must be done before the next
                confirm_paid_sessions(list(run.values()))
                run.clear()
            run[key] = session
            continue
        confirm_paid_sessions(list(run.values()))
        run.clear()
        handler = HANDLERS.get(event.type)
        if handler is not None:
            handler(session)
    confirm_paid_sessions(list(run.values()))


def _confirms_payment(event: VerifiedEvent) -> bool:
    if event.type == "checkout.session.completed":
        return event.data_object.get("payment_status") in PAID_STATUSES
    return event.type == "checkout.session.async_payment_succeeded"


def _order_key(session: dict[str, Any]) -> tuple[str, str]:
    """(order id, reference) from the session's metadata, as sent; empty when missing."""
    metadata = session.get("metadata") or {}
    order_id, reference = metadata.get("order_id"), metadata.get("reference")
    if isinstance(order_id, str) and order_id.isdigit() and isinstance(reference, str):
        return order_id, reference
    return "", str(session.get("id"))


def confirm_paid_sessions(sessions: list[dict[str, Any]]) -> None:
    """Confirm the payment of each session's order (each order once), together."""
    if not sessions:
        return
    orders = orders_of_sessions(sessions)
    confirm_payments(
        [(orders[key], session) for session in sessions if (key := _order_key(session)) in orders]
    )


def orders_of_sessions(sessions: list[dict[str, Any]]) -> dict[tuple[str, str], Order]:
    """The orders the sessions are for, locked in the order of their ids, with their lines;
    by (order id, reference). A session without a known order is logged and left out.

    The order id in the metadata must come with that order's own reference, so an event can
    only ever touch the order it was created for.
    """
    keys = {_order_key(session) for session in sessions}
    ids = sorted({int(order_id) for order_id, _ in keys if order_id})
    found = db.session.scalars(_locked_orders(), {"ids": ids}).unique().all() if ids else []
    orders = {(str(order.id), order.reference): order for order in found}
    for key in keys - orders.keys():
        log.warning("Payment event for unknown order %s (%s)", *key)
    return orders


def order_of_session(session: dict[str, Any]) -> Order | None:
    """The order a checkout session is for, locked, with its lines; None when the session is
    not ours (see :func:`orders_of_sessions`)."""
    return orders_of_sessions([session]).get(_order_key(session))


@cache
def _locked_orders() -> Any:
    """The orders by id, locked in the order of their ids, with their lines (only the
    orders' rows are locked: FOR UPDATE OF); built once."""
    return (
        select(Order)
        .where(Order.id.in_(bindparam("ids", expanding=True)))
        .order_by(Order.id)
        .options(joinedload(Order.lines))
        .with_for_update(of=Order)
        .execution_options(populate_existing=True)
    )


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


# Confirmations of payments are taken apart above; a completed session that is not paid yet
# (an asynchronous method is pending) needs nothing.
HANDLERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "checkout.session.async_payment_failed": on_failed,
    "checkout.session.expired": on_expired,
    "charge.refunded": on_refunded,
}
