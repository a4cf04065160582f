"""Checkout: guests and accounts, the snapshot of each line, stock checks, the payment page."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from coopshop.catalogue.models import Listing
from coopshop.extensions import db
from coopshop.orders import stock
from coopshop.orders.cart import CartEntry
from coopshop.orders.checkout import TermsNotAccepted, place_order, start_payment
from coopshop.orders.errors import EmptyCart, OutOfStock
from coopshop.orders.history import Actor
from coopshop.orders.models import Order, OrderEvent, StockState
from coopshop.payments.gateway import PaymentProviderError
from coopshop.payments.models import SimulatedCheckout
from tests.conftest import login
from tests.factories import gen_buyer
from tests.orders.helpers import (
    CHECKOUT_FORM,
    DETAILS,
    GUEST,
    ListCart,
    checkout_of,
    load_order,
    order_of,
    stock_of,
)


def add(client, listing_id: int, quantity: int = 1, delivery: str = "pickup"):
    return client.post(
        f"/winkelwagen/toevoegen/{listing_id}", data={"quantity": quantity, "delivery": delivery}
    )


def test_a_guest_checks_out_from_two_cooperatives_and_goes_to_the_payment_page(app, client, shop):
    add(client, shop.bag, 2, "shipping")
    add(client, shop.mirror)

    response = client.post("/afrekenen", data=CHECKOUT_FORM)

    assert response.status_code == 302
    assert "/betaalsimulator/cs_sim_" in response.headers["Location"]
    with app.app_context():
        order = db.session.scalars(select(Order)).one()
        assert (order.state, order.user_id, order.postcode) == ("awaiting_payment", None, "3512 AB")
        assert order.total_cents == 2 * 12100 + 695 + 7900
        assert [(line.quantity, line.shipping_cents, line.stock_state) for line in order.lines] == [
            (2, 695, StockState.RESERVED),
            (1, 0, StockState.RESERVED),
        ]
        checkout = checkout_of(order.reference)
        assert checkout.amount_total_cents == order.total_cents
        assert [item["name"] for item in checkout.items] == [
            "Boodschappentas",
            "Verzendkosten: Boodschappentas",
            "Mozaïek spiegel",
        ]
        assert checkout.payment_metadata == {
            "order_id": str(order.id),
            "reference": order.reference,
        }
        assert int(checkout.expires_at.timestamp()) == int(order.payment_expires_at.timestamp())
    assert (stock_of(app, shop.bag), stock_of(app, shop.mirror)) == (1, 0)
    assert "Winkelwagen (0)" in client.get("/").get_data(as_text=True)


def test_an_account_checks_out_with_its_details_filled_in_and_its_cart_in_the_database(
    app, client, shop
):
    with app.app_context():
        buyer = gen_buyer(name="Bea Koper", email="bea@voorbeeld.nl")
        buyer.buyer.street, buyer.buyer.postcode, buyer.buyer.city = (
            "Kerkstraat 1",
            "1234 AB",
            "Zeist",
        )
        db.session.commit()
        buyer_id = buyer.id
    login(client, "bea@voorbeeld.nl")
    add(client, shop.lesson, 2, "on_site")

    page = client.get("/afrekenen").get_data(as_text=True)
    assert 'value="Bea Koper"' in page and 'value="Kerkstraat 1"' in page
    response = client.post("/afrekenen", data={**CHECKOUT_FORM, "name": "Bea Koper"})

    assert response.status_code == 302
    with app.app_context():
        order = db.session.scalars(select(Order)).one()
        assert order.user_id == buyer_id
        assert order.lines[0].stock_state == StockState.NONE  # made to order: nothing to hold
    assert "Winkelwagen (0)" in client.get("/").get_data(as_text=True)


def test_the_order_keeps_its_snapshot_when_the_listing_changes_later(app, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "shipping"))
    with app.app_context():
        listing = db.session.get(Listing, shop.bag)
        listing.title, listing.price_cents, listing.vat_rate, listing.shipping_cents = (
            "Nieuw",
            1,
            "9",
            0,
        )
        db.session.commit()

        line = load_order(reference).lines[0]

    assert (line.title, line.unit_price_cents, line.vat_rate, line.shipping_cents) == (
        "Boodschappentas",
        12100,
        "21",
        695,
    )
    assert (line.member_name, line.cooperative_name) == ("Naaiatelier Fatima", "Utrecht Samen")


def test_more_than_the_stock_cannot_be_put_in_the_cart(client, shop):
    response = add(client, shop.bag, 4)

    assert response.status_code == 400
    assert "zijn er nog 3" in response.get_data(as_text=True)
    assert "Winkelwagen (0)" in client.get("/").get_data(as_text=True)


def test_a_delivery_the_listing_does_not_offer_is_refused(client, shop):
    response = add(client, shop.mirror, 1, "shipping")

    assert response.status_code == 400


def test_checking_out_what_sold_out_meanwhile_is_refused_and_nothing_is_held(app, client, shop):
    add(client, shop.bag, 1)
    add(client, shop.mirror, 1)
    order_of(app, CartEntry(shop.mirror, 1, "pickup"))  # someone else is quicker

    response = client.post("/afrekenen", data=CHECKOUT_FORM)

    assert response.status_code == 409
    assert "uitverkocht" in response.get_data(as_text=True)
    assert stock_of(app, shop.bag) == 3
    with app.app_context():
        assert len(db.session.scalars(select(Order)).all()) == 1


def test_the_reservation_refuses_with_a_named_error_when_too_few_are_left(app, shop):
    reference = order_of(app, CartEntry(shop.bag, 2, "pickup"), pay_page=False)
    with app.app_context():
        line = load_order(reference).lines[0]
        line.stock_state = StockState.RELEASED  # as if it had been given back: 1 left, 2 asked
        with pytest.raises(OutOfStock) as refused:
            stock.reserve(line)
        db.session.rollback()

    assert "Van “Boodschappentas” is niet genoeg meer op voorraad" in refused.value.message
    assert refused.value.status_code == 409
    assert stock_of(app, shop.bag) == 1


def test_checkout_needs_the_terms_and_a_cart(app, client, shop):
    assert client.get("/afrekenen").status_code == 302  # empty cart: back to the cart page
    add(client, shop.bag)

    response = client.post("/afrekenen", data={**CHECKOUT_FORM, "accept_terms": ""})

    assert response.status_code == 400
    assert "Ga akkoord met de voorwaarden" in response.get_data(as_text=True)
    with app.test_request_context():
        with pytest.raises(TermsNotAccepted):
            place_order(
                ListCart(CartEntry(shop.bag, 1, "pickup")),
                replace(DETAILS, terms_accepted=False),
                GUEST,
            )
        with pytest.raises(EmptyCart):
            place_order(ListCart(), DETAILS, GUEST)


def test_business_details_are_validated_as_identifiers(app, client, shop):
    add(client, shop.bag)
    business = {
        **CHECKOUT_FORM,
        "kind": "business",
        "company_name": "Bakkerij B.V.",
        "kvk_number": "1234",
        "vat_id": "NL123",
    }

    response = client.post("/afrekenen", data=business)

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Een KvK-nummer heeft 8 cijfers" in page and "Dit btw-nummer klopt niet" in page

    fixed = {
        **business,
        "kvk_number": "1234 5678",
        "vat_id": "nl 8123.45.678.b01",
        "purchase_order_reference": "PO-17",
    }
    assert client.post("/afrekenen", data=fixed).status_code == 302
    with app.app_context():
        order = db.session.scalars(select(Order)).one()
        assert (order.kvk_number, order.vat_id, order.purchase_order_reference) == (
            "12345678",
            "NL812345678B01",
            "PO-17",
        )


def test_a_retried_payment_sends_identical_parameters_and_gets_the_same_session(app, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "shipping"))
    with app.test_request_context():
        order = load_order(reference)
        first = order.checkout_session_id
        start_payment(order)
        assert load_order(reference).checkout_session_id == first
        assert len(db.session.scalars(select(SimulatedCheckout)).all()) == 1


def test_when_the_provider_fails_the_order_and_reservation_wait_for_a_retry(
    app, client, shop, monkeypatch
):
    def failing_checkout(*args, **kwargs):
        raise PaymentProviderError()

    monkeypatch.setattr("coopshop.payments.simulator.Simulator.create_checkout", failing_checkout)
    add(client, shop.bag)

    response = client.post("/afrekenen", data=CHECKOUT_FORM)

    assert response.status_code == 302 and "/bestelling/B-" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De betaaldienst reageert niet" in page and "Betalen" in page
    assert stock_of(app, shop.bag) == 2
    monkeypatch.undo()
    retry = client.post(response.headers["Location"].split("?")[0] + "/betalen")
    assert "/betaalsimulator/" in retry.headers["Location"]


def test_placing_an_order_writes_its_first_status_event(app, shop):
    reference = order_of(app, CartEntry(shop.bag, 1, "pickup"), actor=Actor(None, "buyer"))
    with app.app_context():
        [event] = db.session.scalars(select(OrderEvent)).all()
        assert (event.action, event.to_state, event.actor_role) == (
            "placed",
            "awaiting_payment",
            "buyer",
        )
        assert event.order_id == load_order(reference).id
