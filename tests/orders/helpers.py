"""A small shop for the orders tests, and the steps a buyer, the payment provider, a member
and a coordinator take, through the services and the webhook endpoint."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from coopshop.catalogue.models import Listing
from coopshop.extensions import db
from coopshop.invoicing.models import Invoice
from coopshop.ledger.models import JournalEntry
from coopshop.orders.cart import CartEntry
from coopshop.orders.checkout import CheckoutDetails, place_order, start_payment
from coopshop.orders.history import Actor
from coopshop.orders.models import Order
from coopshop.payments.models import SimulatedCheckout
from coopshop.payments.signing import sign_payload
from coopshop.payments.simulator_events import checkout_object, simulator_webhook_secret
from tests.catalogue.builders import gen_listing
from tests.factories import gen_coop_admin, gen_cooperative, gen_member

WEBHOOK = "/betalingen/webhook"
GUEST = Actor(None, "buyer")


@dataclass(frozen=True)
class Shop:
    """Two cooperatives (levy 15 % and 10 %), a member each, and their listings' ids."""

    coop_a: int
    coop_b: int
    member_a: int
    member_b: int
    member_a_email: str
    member_b_email: str
    admin_a_email: str
    admin_b_email: str
    bag: int  # 12100 at 21 %, 3 in stock, pickup or shipping (695)
    mirror: int  # 7900 at 9 %, 1 in stock, pickup
    lesson: int  # 4500 exempt, made to order, on site


def build_shop(app: Flask) -> Shop:
    with app.app_context():
        a = gen_cooperative(name="Utrecht Samen", invoice_prefix="UTS", levy_bp=1500)
        b = gen_cooperative(name="Amsterdam Maakt", invoice_prefix="AMM", levy_bp=1000)
        fatima = gen_member(a, trade_name="Naaiatelier Fatima")
        maria = gen_member(b, trade_name="Maria's Mozaïek")
        bag = gen_listing(
            fatima,
            title="Boodschappentas",
            price_cents=12100,
            vat_rate="21",
            stock=3,
            delivery_shipping=True,
            shipping_cents=695,
        )
        mirror = gen_listing(
            maria, title="Mozaïek spiegel", price_cents=7900, vat_rate="9", stock=1
        )
        lesson = gen_listing(
            maria,
            title="Mozaïekles",
            kind="service",
            price_cents=4500,
            vat_rate="exempt",
            stock=None,
            delivery_pickup=False,
            delivery_on_site=True,
        )
        return Shop(
            a.id,
            b.id,
            fatima.id,
            maria.id,
            fatima.user.email,
            maria.user.email,
            gen_coop_admin(a).email,
            gen_coop_admin(b).email,
            bag.id,
            mirror.id,
            lesson.id,
        )


class ListCart:
    """A cart store in memory, for placing orders straight through the service."""

    def __init__(self, *entries: CartEntry) -> None:
        self.stored = {entry.listing_id: entry for entry in entries}

    def entries(self) -> list[CartEntry]:
        return list(self.stored.values())

    def put(self, entry: CartEntry) -> None:
        self.stored[entry.listing_id] = entry

    def remove(self, listing_id: int) -> None:
        self.stored.pop(listing_id, None)

    def clear(self) -> None:
        self.stored.clear()


DETAILS = CheckoutDetails(
    name="Karin de Koper",
    email="karin@voorbeeld.nl",
    street="Marktplein 4",
    postcode="3512 AB",
    city="Utrecht",
    phone="030 123 45 67",
    terms_accepted=True,
)


# What a guest types in the checkout form.
CHECKOUT_FORM = {
    "name": "Karin de Koper",
    "email": "karin@voorbeeld.nl",
    "phone": "030 123 45 67",
    "street": "Marktplein 4",
    "postcode": "3512ab",
    "city": "Utrecht",
    "kind": "consumer",
    "accept_terms": "y",
}


def order_of(app: Flask, *entries: CartEntry, actor: Actor = GUEST, pay_page: bool = True) -> str:
    """Place an order for ``entries`` (and open its payment page); returns its reference."""
    with app.test_request_context():
        order = place_order(ListCart(*entries), DETAILS, actor)
        if pay_page:
            start_payment(order)
        return order.reference


def load_order(reference: str) -> Order:
    return db.session.scalars(select(Order).where(Order.reference == reference)).one()


def checkout_of(reference: str) -> SimulatedCheckout:
    return db.session.scalars(
        select(SimulatedCheckout).where(SimulatedCheckout.reference == reference)
    ).one()


def session_object(app: Flask, reference: str, **changes: Any) -> dict[str, Any]:
    """The simulator's session as Stripe would send it, paid by default."""
    with app.app_context():
        checkout = checkout_of(reference)
        checkout.payment_intent_id = checkout.payment_intent_id or f"pi_sim_{reference}"
        paid = changes.pop("paid", True)
        checkout.status, checkout.payment_status = (
            ("complete", "paid") if paid else ("open", "unpaid")
        )
        db.session.commit()
        shape = checkout_object(checkout)
    shape.update(changes)
    return shape


def signed_event(
    app: Flask, event_type: str, data_object: dict[str, Any], event_id: str
) -> tuple[bytes, str]:
    payload = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "data": {"object": data_object},
        }
    ).encode()
    with app.app_context():
        return payload, sign_payload(payload, simulator_webhook_secret())


def post_event(
    client: FlaskClient, app: Flask, event_type: str, data_object: dict[str, Any], event_id: str
) -> Any:
    payload, signature = signed_event(app, event_type, data_object, event_id)
    return client.post(
        WEBHOOK,
        data=payload,
        headers={"Stripe-Signature": signature},
        content_type="application/json",
    )


def pay(client: FlaskClient, app: Flask, reference: str, event_id: str = "evt_paid") -> Any:
    """The provider reports the payment as complete, through the webhook endpoint."""
    return post_event(
        client, app, "checkout.session.completed", session_object(app, reference), event_id
    )


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            "invoices": db.session.scalar(select(func.count()).select_from(Invoice)) or 0,
            "entries": db.session.scalar(select(func.count()).select_from(JournalEntry)) or 0,
        }


def stock_of(app: Flask, listing_id: int) -> int | None:
    with app.app_context():
        return db.session.get(Listing, listing_id).stock
