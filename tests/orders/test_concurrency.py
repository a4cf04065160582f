"""Under real concurrency (PostgreSQL): fifty buyers of the last item, and payments of many
orders at once. Each thread has its own app context, so its own session and connection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from coopshop.extensions import db
from coopshop.invoicing.models import Invoice
from coopshop.orders.cart import CartEntry
from coopshop.orders.checkout import place_order, start_payment
from coopshop.orders.errors import OutOfStock
from coopshop.orders.models import Order
from coopshop.payments.models import SimulatedCheckout
from coopshop.payments.webhooks import receive_webhook
from tests.conftest import BACKEND
from tests.orders.helpers import (
    DETAILS,
    GUEST,
    ListCart,
    order_of,
    session_object,
    signed_event,
    stock_of,
)

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="needs PostgreSQL's concurrency")

BUYERS = 50


def buy_the_last_mirror(app, listing_id: int, start: threading.Barrier) -> str:
    with app.test_request_context():
        start.wait()
        try:
            order = place_order(ListCart(CartEntry(listing_id, 1, "pickup")), DETAILS, GUEST)
            start_payment(order)  # only a buyer with a reservation gets a payment page
        except OutOfStock:
            return "out of stock"
        finally:
            db.session.remove()
        return "reserved"


def test_fifty_buyers_of_the_last_item_give_one_sale_and_no_other_charge(app, client, shop):
    start = threading.Barrier(BUYERS)
    with ThreadPoolExecutor(BUYERS) as pool:
        outcomes = list(
            pool.map(lambda _: buy_the_last_mirror(app, shop.mirror, start), range(BUYERS))
        )

    assert outcomes.count("reserved") == 1
    assert outcomes.count("out of stock") == BUYERS - 1
    assert stock_of(app, shop.mirror) == 0
    with app.app_context():
        [order] = db.session.scalars(select(Order)).all()
        reference = order.reference
        # Only the one buyer with a reservation ever got a payment page.
        assert len(db.session.scalars(select(SimulatedCheckout)).all()) == 1
    payload, signature = signed_event(
        app, "checkout.session.completed", session_object(app, reference), "evt_1"
    )
    with app.test_request_context():
        receive_webhook(payload, signature)
        assert db.session.scalars(select(Order)).one().state == "paid"
        assert len(db.session.scalars(select(Invoice)).all()) == 1


def test_invoice_numbers_stay_gapless_when_many_payments_arrive_at_once(app, shop):
    references = [order_of(app, CartEntry(shop.lesson, 1, "on_site")) for _ in range(20)]
    events = [
        signed_event(app, "checkout.session.completed", session_object(app, ref), f"evt_{n}")
        for n, ref in enumerate(references)
    ]
    start = threading.Barrier(len(events))

    def deliver(event: tuple[bytes, str]) -> None:
        with app.test_request_context():
            start.wait()
            receive_webhook(*event)
            db.session.remove()

    with ThreadPoolExecutor(len(events)) as pool:
        list(pool.map(deliver, events))

    with app.app_context():
        numbers = sorted(db.session.scalars(select(Invoice.sequence)).all())
        assert numbers == list(range(1, 21))
        assert {o.state for o in db.session.scalars(select(Order))} == {"paid"}
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
