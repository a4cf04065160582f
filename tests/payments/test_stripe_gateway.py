"""StripeGateway drives the official SDK against the local Stripe double, over HTTP."""

from __future__ import annotations

import time

import pytest

from coopshop.config import ConfigError
from coopshop.payments.gateway import (
    AmountMismatch,
    CheckoutItem,
    PaymentProviderError,
    default_expires_at,
    get_gateway,
)
from coopshop.payments.simulator import Simulator
from coopshop.payments.stripe_gateway import StripeGateway
from tests.payments.conftest import ITEMS_TOTAL, checkout_kwargs

CHECKOUTS = "/v1/checkout/sessions"


@pytest.fixture
def gateway(stripe_app):
    with stripe_app.app_context():
        gateway = get_gateway()
        assert isinstance(gateway, StripeGateway)
        yield gateway


def paid_session(gateway, stripe_double, reference="order-1-attempt-1"):
    session = gateway.create_checkout(**checkout_kwargs(reference))
    stripe_double.complete(session.id)
    return gateway.retrieve_checkout(session.id)


def test_the_gateway_is_stripe_with_keys_and_the_simulator_without(app, stripe_app):
    with app.app_context():
        assert isinstance(get_gateway(), Simulator)
    with stripe_app.app_context():
        assert isinstance(get_gateway(), StripeGateway)


def test_a_stripe_key_without_a_webhook_secret_is_refused(stripe_app):
    stripe_app.config["STRIPE_WEBHOOK_SECRET"] = ""
    with stripe_app.app_context(), pytest.raises(ConfigError):
        get_gateway()


def test_create_checkout_asks_for_ideal_and_card_in_euros_in_dutch(gateway, stripe_double):
    session = gateway.create_checkout(**checkout_kwargs())

    [sent] = stripe_double.requests_to("POST", CHECKOUTS)
    assert sent.authorization == "Bearer sk_test_double_0123456789"
    assert sent.idempotency_key == "checkout:order-1-attempt-1"
    form = sent.form
    assert form["mode"] == "payment"
    assert form["payment_method_types"] == ["ideal", "card"]
    assert form["locale"] == "nl"
    assert form["customer_email"] == "koper@example.test"
    assert form["client_reference_id"] == "order-1-attempt-1"
    assert form["metadata"] == {"order_id": "1", "reference": "order-1-attempt-1"}
    assert form["payment_intent_data"]["metadata"] == form["metadata"]
    assert form["line_items"][0] == {
        "quantity": "2",
        "price_data": {
            "currency": "eur",
            "unit_amount": "1995",
            "product_data": {"name": "Gehaakte knuffel"},
        },
    }
    assert form["line_items"][1]["price_data"]["unit_amount"] == "495"
    assert session.amount_total_cents == ITEMS_TOTAL
    assert (session.status, session.payment_status, session.currency) == ("open", "unpaid", "eur")
    assert session.url.startswith(stripe_double.url)
    assert session.metadata == {"order_id": "1", "reference": "order-1-attempt-1"}


def test_the_session_expires_after_the_configured_minutes(gateway, stripe_double):
    before = int(time.time())
    session = gateway.create_checkout(**checkout_kwargs())

    sent = int(stripe_double.requests_to("POST", CHECKOUTS)[0].form["expires_at"])
    assert sent == session.expires_at
    assert before + 30 * 60 <= sent <= before + 33 * 60
    assert sent % 60 == 0


def test_a_retry_with_the_same_reference_returns_the_same_session(gateway, stripe_double):
    expires_at = int(time.time()) + 45 * 60
    first = gateway.create_checkout(**checkout_kwargs(expires_at=expires_at))
    again = gateway.create_checkout(**checkout_kwargs(expires_at=expires_at))

    assert again == first
    assert len(stripe_double.sessions) == 1
    keys = [r.idempotency_key for r in stripe_double.requests_to("POST", CHECKOUTS)]
    assert keys == ["checkout:order-1-attempt-1", "checkout:order-1-attempt-1"]


def test_a_reference_reused_for_other_items_is_refused(gateway, stripe_double):
    expires_at = int(time.time()) + 45 * 60
    gateway.create_checkout(**checkout_kwargs(expires_at=expires_at))

    with pytest.raises(PaymentProviderError):
        gateway.create_checkout(
            **checkout_kwargs(items=[CheckoutItem("Iets anders", 100, 1)], expires_at=expires_at)
        )
    assert len(stripe_double.sessions) == 1


def test_an_amount_read_back_that_differs_stops_and_expires_the_session(gateway, stripe_double):
    stripe_double.report_amount_total(ITEMS_TOTAL - 1)

    with pytest.raises(AmountMismatch):
        gateway.create_checkout(**checkout_kwargs())

    [session] = stripe_double.sessions.values()
    assert session["status"] == "expired"


def test_a_server_error_is_retried_with_the_same_idempotency_key(gateway, stripe_double):
    stripe_double.fail_next(500)

    session = gateway.create_checkout(**checkout_kwargs())

    attempts = stripe_double.requests_to("POST", CHECKOUTS)
    assert len(attempts) == 2
    assert {attempt.idempotency_key for attempt in attempts} == {"checkout:order-1-attempt-1"}
    assert list(stripe_double.sessions) == [session.id]


def test_an_error_that_persists_becomes_payment_provider_error(gateway, stripe_double):
    stripe_double.fail_next(503, times=3)

    with pytest.raises(PaymentProviderError) as raised:
        gateway.create_checkout(**checkout_kwargs())

    assert raised.value.status_code == 502
    assert "Er is niets afgeschreven" in raised.value.message
    assert stripe_double.sessions == {}


def test_a_refused_request_is_not_retried(gateway, stripe_double):
    stripe_double.fail_next(400, error_type="invalid_request_error")

    with pytest.raises(PaymentProviderError):
        gateway.create_checkout(**checkout_kwargs())

    assert len(stripe_double.requests_to("POST", CHECKOUTS)) == 1


def test_a_wrong_api_key_becomes_payment_provider_error(stripe_app, stripe_double):
    stripe_app.config["STRIPE_SECRET_KEY"] = "rk_live_wrong"
    with stripe_app.app_context(), pytest.raises(PaymentProviderError):
        get_gateway().create_checkout(**checkout_kwargs())


def test_an_unreachable_stripe_becomes_payment_provider_error(stripe_app):
    stripe_app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # the discard port: refused
    with stripe_app.app_context(), pytest.raises(PaymentProviderError):
        get_gateway().retrieve_checkout("cs_test_anything")


def test_retrieve_checkout_reads_a_paid_session_back(gateway, stripe_double):
    session = paid_session(gateway, stripe_double)

    assert session.is_paid
    assert session.payment_intent_id.startswith("pi_test_")
    assert session.amount_total_cents == ITEMS_TOTAL
    assert session.url is None


def test_retrieving_an_unknown_session_is_a_provider_error(gateway, stripe_double):
    with pytest.raises(PaymentProviderError):
        gateway.retrieve_checkout("cs_test_unknown")


def test_expire_checkout_closes_an_open_session(gateway, stripe_double):
    session = gateway.create_checkout(**checkout_kwargs())

    expired = gateway.expire_checkout(session.id)

    assert expired.status == "expired"
    assert stripe_double.sessions[session.id]["status"] == "expired"


def test_expiring_a_paid_session_reports_it_as_paid(gateway, stripe_double):
    session = paid_session(gateway, stripe_double)

    assert gateway.expire_checkout(session.id).is_paid


def test_refund_part_of_a_payment(gateway, stripe_double):
    session = paid_session(gateway, stripe_double)

    refund = gateway.refund(
        payment_intent_id=session.payment_intent_id,
        amount_cents=1995,
        reference="refund-7",
        metadata={"order_id": "1"},
    )

    assert (refund.amount_cents, refund.status) == (1995, "succeeded")
    assert refund.payment_intent_id == session.payment_intent_id
    [sent] = stripe_double.requests_to("POST", "/v1/refunds")
    assert sent.idempotency_key == "refund:refund-7"
    assert sent.form["amount"] == "1995"
    assert sent.form["metadata"] == {"order_id": "1", "reference": "refund-7"}


def test_a_refund_retried_with_its_reference_is_made_once(gateway, stripe_double):
    session = paid_session(gateway, stripe_double)
    refund = {"payment_intent_id": session.payment_intent_id, "amount_cents": 500}

    first = gateway.refund(**refund, reference="refund-8", metadata={})
    again = gateway.refund(**refund, reference="refund-8", metadata={})

    assert again == first
    assert len(stripe_double.refunds) == 1


def test_refunding_more_than_was_paid_is_refused(gateway, stripe_double):
    session = paid_session(gateway, stripe_double)
    gateway.refund(
        payment_intent_id=session.payment_intent_id,
        amount_cents=4000,
        reference="refund-1",
        metadata={},
    )

    with pytest.raises(PaymentProviderError) as raised:
        gateway.refund(
            payment_intent_id=session.payment_intent_id,
            amount_cents=ITEMS_TOTAL - 4000 + 1,
            reference="refund-2",
            metadata={},
        )

    assert "terugbetaling" in raised.value.message
    assert [refund["amount"] for refund in stripe_double.refunds.values()] == [4000]


def test_a_refund_must_be_positive(gateway):
    with pytest.raises(ValueError):
        gateway.refund(payment_intent_id="pi_test_x", amount_cents=0, reference="r", metadata={})


@pytest.mark.parametrize(
    ("minutes", "earliest", "latest"), [(30, 31 * 60, 32 * 60), (1440, 1439 * 60, 1440 * 60)]
)
def test_the_expiry_stays_within_stripes_limits(app, minutes, earliest, latest):
    app.config["CHECKOUT_EXPIRY_MINUTES"] = minutes
    with app.app_context():
        expires_at = default_expires_at(now=1_790_000_030)
    assert earliest <= expires_at - 1_790_000_030 <= latest
    assert expires_at % 60 == 0


@pytest.mark.parametrize("minutes", [29, 1441])
def test_an_expiry_setting_stripe_would_refuse_is_a_config_error(app, minutes):
    app.config["CHECKOUT_EXPIRY_MINUTES"] = minutes
    with app.app_context(), pytest.raises(ConfigError):
        default_expires_at()
