"""The StripeGateway path end to end, against the local Stripe double: the checkout session,
a webhook signed with the double's secret, a refund, and Stripe's charge.refunded."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from coopshop.orders.cart import CartEntry
from coopshop.orders.handling import handle_line, refund_line
from coopshop.orders.history import Actor
from coopshop.orders.models import OrderRefund
from coopshop.payments.signing import sign_payload
from tests.orders.helpers import CHECKOUT_FORM, WEBHOOK, counts, load_order, order_of
from tests.payments.stripe_double import WEBHOOK_SECRET


def stripe_event(
    client, event_type: str, data_object: dict, event_id: str, secret: str = WEBHOOK_SECRET
):
    payload = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "data": {"object": data_object},
        }
    ).encode()
    return client.post(
        WEBHOOK,
        data=payload,
        headers={"Stripe-Signature": sign_payload(payload, secret)},
        content_type="application/json",
    )


def test_an_order_is_paid_and_refunded_through_stripe(stripe_app, stripe_double, shop):
    reference = order_of(stripe_app, CartEntry(shop.bag, 1, "shipping"))
    [created] = stripe_double.requests_to("POST", "/v1/checkout/sessions")
    assert created.idempotency_key == f"checkout:{reference}"
    assert created.form["metadata"]["reference"] == reference
    assert [item["price_data"]["unit_amount"] for item in created.form["line_items"]] == [
        "12100",
        "695",
    ]
    with stripe_app.app_context():
        order = load_order(reference)
        session_id, order_id = order.checkout_session_id, order.id
        assert int(created.form["expires_at"]) == int(order.payment_expires_at.timestamp())
    client = stripe_app.test_client()

    session = stripe_double.complete(session_id)
    assert (
        stripe_event(client, "checkout.session.completed", session, "evt_test_1").status_code == 200
    )

    with stripe_app.app_context():
        order = load_order(reference)
        assert (order.state, order.payment_intent_id) == ("paid", session["payment_intent"])
    assert counts(stripe_app) == {"invoices": 1, "entries": 1}

    with stripe_app.test_request_context():
        fatima = db.session.get(Member, shop.member_a)
        line_id = load_order(reference).lines[0].id
        handle_line(fatima, line_id, "decline", Actor(fatima.user_id, "member"), "Kapot")
    [refund_request] = stripe_double.requests_to("POST", "/v1/refunds")
    assert refund_request.idempotency_key == f"refund:refund:{line_id}:1"
    assert refund_request.form["amount"] == "12795"
    assert refund_request.form["metadata"] == {
        "order_id": str(order_id),
        "order_line_id": str(line_id),
        "reference": f"refund:{line_id}:1",
    }
    assert counts(stripe_app) == {"invoices": 2, "entries": 2}

    [refund] = stripe_double.refunds.values()
    charge = {
        "id": refund["charge"],
        "object": "charge",
        "payment_intent": session["payment_intent"],
        "amount_refunded": 12795,
        "refunds": {"data": [refund]},
    }
    assert stripe_event(client, "charge.refunded", charge, "evt_test_2").status_code == 200
    with stripe_app.app_context():
        stored = db.session.scalars(select(OrderRefund)).one()
        assert (stored.provider_refund_id, stored.confirmed_at is not None) == (refund["id"], True)


def test_charge_refunded_without_a_list_confirms_by_the_amount_refunded(
    stripe_app, stripe_double, shop
):
    reference = order_of(stripe_app, CartEntry(shop.bag, 1, "pickup"))
    client = stripe_app.test_client()
    with stripe_app.app_context():
        session = stripe_double.complete(load_order(reference).checkout_session_id)
    stripe_event(client, "checkout.session.completed", session, "evt_1")
    with stripe_app.test_request_context():
        line_id = load_order(reference).lines[0].id
        refund_line(shop.coop_a, line_id, 5000, "Kras", Actor(None, "coop_admin"))

    charge = {"id": "ch_1", "payment_intent": session["payment_intent"], "amount_refunded": 5000}
    stripe_event(client, "charge.refunded", charge, "evt_2")

    with stripe_app.app_context():
        assert db.session.scalars(select(OrderRefund)).one().confirmed_at is not None


def test_an_event_signed_with_another_secret_is_refused(stripe_app, stripe_double, shop):
    reference = order_of(stripe_app, CartEntry(shop.bag, 1, "pickup"))
    with stripe_app.app_context():
        session = stripe_double.complete(load_order(reference).checkout_session_id)

    response = stripe_event(
        stripe_app.test_client(), "checkout.session.completed", session, "evt_1", "whsec_other"
    )

    assert response.status_code == 400
    with stripe_app.app_context():
        assert load_order(reference).state == "awaiting_payment"
    assert counts(stripe_app) == {"invoices": 0, "entries": 0}


def test_a_stripe_failure_at_checkout_keeps_the_order_for_a_retry_with_the_same_key(
    stripe_app, stripe_double, shop
):
    stripe_double.fail_next(status=500, times=10)
    client = stripe_app.test_client()
    client.post(f"/winkelwagen/toevoegen/{shop.bag}", data={"quantity": 1, "delivery": "pickup"})
    response = client.post("/afrekenen", data=CHECKOUT_FORM)

    assert "/bestelling/B-" in response.headers["Location"]
    stripe_double.reset()
    retry = client.post(response.headers["Location"].split("?")[0] + "/betalen")
    assert retry.headers["Location"].startswith(stripe_double.url)
    reference = response.headers["Location"].split("/bestelling/")[1].split("/")[0]
    keys = {r.idempotency_key for r in stripe_double.requests_to("POST", "/v1/checkout/sessions")}
    assert keys == {f"checkout:{reference}"}
