"""parse_event accepts exactly what Stripe signed, recently, with this endpoint's secret."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from coopshop.payments.gateway import InvalidSignature
from coopshop.payments.signing import sign_payload
from coopshop.payments.simulator import Simulator
from coopshop.payments.simulator_events import simulator_webhook_secret
from coopshop.payments.stripe_gateway import StripeGateway

SECRET = "whsec_test_signatures"
EVENT = {
    "id": "evt_1",
    "object": "event",
    "type": "checkout.session.completed",
    "created": 1_790_000_000,
    "data": {"object": {"id": "cs_test_1", "object": "checkout.session", "amount_total": 4485}},
}
PAYLOAD = json.dumps(EVENT).encode()


@pytest.fixture
def gateway():
    return StripeGateway(secret_key="sk_test_x", webhook_secret=SECRET)


def test_our_signature_is_the_one_the_stripe_sdk_makes():
    expected = stripe.WebhookSignature.generate_signature_header(
        PAYLOAD.decode(), SECRET, timestamp=1_790_000_000
    )

    assert sign_payload(PAYLOAD, SECRET, timestamp=1_790_000_000) == expected


def test_a_validly_signed_event_is_parsed_into_plain_values(gateway):
    event = gateway.parse_event(PAYLOAD, sign_payload(PAYLOAD, SECRET))

    assert (event.id, event.type, event.created) == (
        "evt_1",
        "checkout.session.completed",
        1_790_000_000,
    )
    assert event.data_object == EVENT["data"]["object"]
    assert type(event.data_object) is dict


def test_a_signature_made_with_another_secret_is_refused(gateway):
    with pytest.raises(InvalidSignature) as raised:
        gateway.parse_event(PAYLOAD, sign_payload(PAYLOAD, "whsec_someone_else"))
    assert raised.value.status_code == 400


def test_a_tampered_payload_is_refused(gateway):
    header = sign_payload(PAYLOAD, SECRET)
    tampered = PAYLOAD.replace(b"4485", b"1")

    with pytest.raises(InvalidSignature):
        gateway.parse_event(tampered, header)


def test_a_signature_older_than_five_minutes_is_refused(gateway):
    old = int(time.time()) - 301

    with pytest.raises(InvalidSignature):
        gateway.parse_event(PAYLOAD, sign_payload(PAYLOAD, SECRET, timestamp=old))


def test_a_signature_of_four_minutes_ago_is_still_accepted(gateway):
    recent = int(time.time()) - 240

    assert (
        gateway.parse_event(PAYLOAD, sign_payload(PAYLOAD, SECRET, timestamp=recent)).id == "evt_1"
    )


@pytest.mark.parametrize(
    "header", [None, "", "garbage", "t=abc,v1=00", "t=1790000000", "v1=deadbeef"]
)
def test_a_missing_or_malformed_header_is_refused(gateway, header):
    with pytest.raises(InvalidSignature):
        gateway.parse_event(PAYLOAD, header)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json at all",
        b"\xff\xfe\x00",
        b"[1, 2, 3]",
        b'{"id": "evt_1", "type": "x", "created": 1}',
        b'{"type": "x", "created": 1, "data": {"object": {}}}',
        b'{"id": "evt_1", "type": "x", "created": "yesterday", "data": {"object": {}}}',
    ],
)
def test_a_signed_body_that_is_not_an_event_is_refused(gateway, payload):
    with pytest.raises(InvalidSignature):
        gateway.parse_event(payload, sign_payload(payload, SECRET))


def test_the_simulator_verifies_with_its_own_secret(app):
    with app.app_context():
        simulator_secret = simulator_webhook_secret()
        simulator = Simulator()

        assert simulator.parse_event(PAYLOAD, sign_payload(PAYLOAD, simulator_secret)).id == "evt_1"
        with pytest.raises(InvalidSignature):
            simulator.parse_event(PAYLOAD, sign_payload(PAYLOAD, SECRET))


def test_the_simulator_secret_comes_from_the_secret_key_unless_set(app):
    with app.app_context():
        derived = simulator_webhook_secret()
        assert derived.startswith("whsec_sim_")
        assert app.config["SECRET_KEY"] not in derived

        app.config["SECRET_KEY"] = "another-secret-key-that-is-long-enough-012345"
        assert simulator_webhook_secret() != derived

        app.config["SIMULATOR_WEBHOOK_SECRET"] = "whsec_configured"
        assert simulator_webhook_secret() == "whsec_configured"
