"""The payment simulator: Stripe Checkout's stand-in, with a test page and signed events."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from coopshop import create_app
from coopshop.extensions import db
from coopshop.payments.gateway import CheckoutItem, PaymentProviderError, get_gateway
from coopshop.payments.models import SimulatedCheckout, SimulatedRefund
from coopshop.payments.webhooks import register_handler
from tests.conftest import base_config
from tests.payments.conftest import ITEMS_TOTAL, checkout_kwargs


def create_checkout(app: Flask, **overrides: object):
    with app.test_request_context():
        session = get_gateway().create_checkout(**checkout_kwargs(**overrides))
        db.session.commit()
        return session


def paid_checkout(app: Flask, client, **overrides: object):
    session = create_checkout(app, **overrides)
    client.post(f"/betaalsimulator/{session.id}/betalen", data={"method": "ideal"})
    with app.test_request_context():
        return get_gateway().retrieve_checkout(session.id)


def refund(app: Flask, payment_intent_id: str, amount_cents: int, reference: str):
    with app.test_request_context():
        made = get_gateway().refund(
            payment_intent_id=payment_intent_id,
            amount_cents=amount_cents,
            reference=reference,
            metadata={"order_id": "1"},
        )
        db.session.commit()
        return made


def test_a_new_session_is_open_unpaid_and_points_at_the_test_page(app):
    session = create_checkout(app)

    assert session.id.startswith("cs_sim_")
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert session.amount_total_cents == ITEMS_TOTAL
    assert session.currency == "eur"
    assert session.payment_intent_id is None
    assert session.url == f"http://coopshop.test/betaalsimulator/{session.id}"
    assert session.metadata == {"order_id": "1", "reference": "order-1-attempt-1"}
    assert session.expires_at > time.time() + 30 * 60


def test_creating_again_with_the_same_reference_returns_the_same_session(app):
    first = create_checkout(app)
    again = create_checkout(app)

    assert again == first
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SimulatedCheckout)) == 1


def test_a_reference_reused_for_another_amount_is_refused(app):
    create_checkout(app)

    with pytest.raises(PaymentProviderError):
        create_checkout(app, items=[CheckoutItem("Iets anders", 100, 1)])


def test_the_test_page_says_no_real_money_is_paid_and_shows_the_amount(app, client):
    session = create_checkout(app)

    page = client.get(f"/betaalsimulator/{session.id}").get_data(as_text=True)

    assert "Testomgeving: er wordt geen echt geld betaald" in page
    assert "€ 44,85" in page
    assert "Gehaakte knuffel" in page and "€ 19,95" in page and "€ 39,90" in page
    assert ">Betalen</button>" in page and ">Annuleren</button>" in page


def test_an_unknown_session_is_a_dutch_404(client):
    response = client.get("/betaalsimulator/cs_sim_bestaat_niet")

    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


def test_paying_delivers_a_signed_completed_event_once_and_goes_to_the_success_url(
    app, client, handle_events, received
):
    session = create_checkout(app, success_url="https://shop.test/ok?sessie={CHECKOUT_SESSION_ID}")

    response = client.post(f"/betaalsimulator/{session.id}/betalen", data={"method": "card"})
    again = client.post(f"/betaalsimulator/{session.id}/betalen", data={"method": "card"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"https://shop.test/ok?sessie={session.id}"
    assert again.headers["Location"] == f"/betaalsimulator/{session.id}"
    [event] = received
    assert event.id.startswith("evt_sim_") and event.type == "checkout.session.completed"
    shown = event.data_object
    assert (shown["id"], shown["object"]) == (session.id, "checkout.session")
    assert (shown["amount_total"], shown["currency"]) == (ITEMS_TOTAL, "eur")
    assert (shown["status"], shown["payment_status"]) == ("complete", "paid")
    assert shown["payment_intent"].startswith("pi_sim_")
    assert shown["metadata"] == {"order_id": "1", "reference": "order-1-attempt-1"}
    assert shown["customer_details"] == {"email": "koper@example.test"}


def test_a_paid_session_reads_back_as_paid_and_its_page_has_no_buttons(app, client):
    session = paid_checkout(app, client)

    assert session.is_paid and session.url is None
    assert session.payment_intent_id.startswith("pi_sim_")
    page = client.get(f"/betaalsimulator/{session.id}").get_data(as_text=True)
    assert "Deze testbetaling is betaald." in page
    assert '<button type="submit" class="utrecht-button' not in page


def test_cancelling_delivers_an_expired_event_and_goes_to_the_cancel_url(
    app, client, handle_events, received
):
    session = create_checkout(app)

    response = client.post(f"/betaalsimulator/{session.id}/annuleren")

    assert response.headers["Location"] == "https://coopshop.test/bestelling/1/afrekenen"
    assert [(event.type, event.data_object["status"]) for event in received] == [
        ("checkout.session.expired", "expired")
    ]
    page = client.get(f"/betaalsimulator/{session.id}").get_data(as_text=True)
    assert "geannuleerd of verlopen" in page and ">Betalen</button>" not in page
    client.post(f"/betaalsimulator/{session.id}/betalen", data={"method": "ideal"})
    assert len(received) == 1  # a cancelled session cannot be paid any more


def test_a_session_past_its_time_cannot_be_paid(app, client, handle_events, received):
    session = create_checkout(app, expires_at=int(time.time()) - 1)
    with app.test_request_context():
        assert get_gateway().retrieve_checkout(session.id).status == "expired"

    response = client.post(f"/betaalsimulator/{session.id}/betalen", data={"method": "ideal"})

    assert response.headers["Location"] == f"/betaalsimulator/{session.id}"
    assert [event.type for event in received] == ["checkout.session.expired"]


def test_expire_checkout_closes_an_open_session_and_leaves_a_paid_one(
    app, client, handle_events, received
):
    open_session = create_checkout(app, reference="a")
    paid = paid_checkout(app, client, reference="b")
    with app.test_request_context():
        gateway = get_gateway()
        assert gateway.expire_checkout(open_session.id).status == "expired"
        assert gateway.expire_checkout(paid.id).is_paid
    assert [event.type for event in received] == [
        "checkout.session.completed",
        "checkout.session.expired",
    ]


def test_when_the_handler_fails_the_payment_is_not_recorded(app, client):
    def failing_handler(event):
        raise RuntimeError("the orders feature is down")

    register_handler(failing_handler, app)
    app.config["PROPAGATE_UNEXPECTED"] = False
    session = create_checkout(app)

    response = client.post(f"/betaalsimulator/{session.id}/betalen", data={"method": "ideal"})

    assert response.status_code == 500
    with app.test_request_context():
        assert get_gateway().retrieve_checkout(session.id).status == "open"


def test_a_refund_delivers_charge_refunded_with_the_running_total(
    app, client, handle_events, received
):
    session = paid_checkout(app, client)

    first = refund(app, session.payment_intent_id, 1000, "refund-1")
    second = refund(app, session.payment_intent_id, 495, "refund-2")

    assert first.id.startswith("re_sim_") and first.amount_cents == 1000
    assert second.status == "succeeded"
    charges = [event.data_object for event in received if event.type == "charge.refunded"]
    assert [charge["amount_refunded"] for charge in charges] == [1000, 1495]
    latest = charges[-1]
    assert latest["object"] == "charge" and latest["payment_intent"] == session.payment_intent_id
    assert [r["amount"] for r in latest["refunds"]["data"]] == [495, 1000]
    assert latest["refunded"] is False
    assert latest["metadata"]["reference"] == "order-1-attempt-1"


def test_a_refund_retried_with_its_reference_is_made_and_announced_once(
    app, client, handle_events, received
):
    session = paid_checkout(app, client)

    first = refund(app, session.payment_intent_id, 1000, "refund-1")
    again = refund(app, session.payment_intent_id, 1000, "refund-1")

    assert again == first
    assert [event.type for event in received].count("charge.refunded") == 1


def test_refunding_more_than_was_paid_is_refused(app, client, handle_events, received):
    session = paid_checkout(app, client)
    refund(app, session.payment_intent_id, ITEMS_TOTAL - 100, "refund-1")

    with pytest.raises(PaymentProviderError) as raised:
        refund(app, session.payment_intent_id, 101, "refund-2")

    assert "meer dan er van deze betaling nog over is" in raised.value.message
    with app.app_context():
        amounts = db.session.scalars(select(SimulatedRefund.amount_cents)).all()
    assert amounts == [ITEMS_TOTAL - 100]
    assert [event.type for event in received].count("charge.refunded") == 1


def test_an_unpaid_session_cannot_be_refunded(app):
    create_checkout(app)

    with pytest.raises(PaymentProviderError):
        refund(app, "pi_sim_unknown", 100, "refund-1")


@pytest.fixture
def csrf_app(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    protected = create_app(
        {**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path), "WTF_CSRF_ENABLED": True}
    )
    yield protected
    with protected.app_context():
        db.engine.dispose()


def test_the_buttons_need_the_form_token(csrf_app):
    received = []
    register_handler(received.extend, csrf_app)
    session = create_checkout(csrf_app)
    client = csrf_app.test_client()
    page = client.get(f"/betaalsimulator/{session.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)

    for action in ("betalen", "annuleren"):
        refused = client.post(f"/betaalsimulator/{session.id}/{action}", data={"method": "ideal"})
        assert refused.status_code == 400
        assert "Formulier verlopen" in refused.get_data(as_text=True)
    assert received == []

    paid = client.post(
        f"/betaalsimulator/{session.id}/betalen", data={"method": "ideal", "csrf_token": token}
    )
    assert paid.status_code == 302
    assert [event.type for event in received] == ["checkout.session.completed"]


def test_with_stripe_keys_the_simulator_pages_do_not_exist(app, stripe_app):
    session = create_checkout(app)

    response = stripe_app.test_client().get(f"/betaalsimulator/{session.id}")

    assert response.status_code == 404


def test_paying_without_a_known_payment_method_pays_nothing(app, client, handle_events, received):
    session = create_checkout(app)

    response = client.post(f"/betaalsimulator/{session.id}/betalen", data={"method": "bitcoin"})

    assert response.headers["Location"] == f"http://coopshop.test/betaalsimulator/{session.id}"
    assert received == []
