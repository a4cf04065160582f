"""The webhook registry, event de-duplication and the POST /betalingen/webhook endpoint."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from coopshop import create_app
from coopshop.extensions import db
from coopshop.payments.gateway import VerifiedEvent
from coopshop.payments.models import StoredEvent
from coopshop.payments.signing import sign_payload
from coopshop.payments.simulator_events import simulator_webhook_secret
from coopshop.payments.webhooks import (
    deliver,
    mark_event_processed,
    register_handler,
    remember_event,
)
from tests.conftest import base_config
from tests.payments.stripe_double import WEBHOOK_SECRET

WEBHOOK = "/betalingen/webhook"


def event_payload(event_id: str = "evt_1", event_type: str = "checkout.session.completed") -> bytes:
    event = {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": {"id": "cs_1", "object": "checkout.session", "amount_total": 4485}},
    }
    return json.dumps(event).encode()


def simulator_signature(app: Flask, payload: bytes) -> str:
    with app.app_context():
        return sign_payload(payload, simulator_webhook_secret())


def post_event(client, payload: bytes, signature: str | None):
    headers = {"Stripe-Signature": signature} if signature else {}
    return client.post(WEBHOOK, data=payload, headers=headers, content_type="application/json")


def stored_events(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return [(row.event_id, row.type) for row in db.session.scalars(select(StoredEvent))]


def remembering_handler(event: VerifiedEvent) -> None:
    """What a real handler does first: note the event; act only on the first delivery."""
    remember_event(event)


EVENT = VerifiedEvent("evt_9", "charge.refunded", 1_790_000_000, {"id": "ch_1", "object": "charge"})


def test_remember_event_stores_an_event_once(app):
    with app.app_context():
        assert remember_event(EVENT) is True
        assert remember_event(EVENT) is False
        db.session.commit()
        assert remember_event(EVENT) is False
        [row] = db.session.scalars(select(StoredEvent)).all()
    assert (row.event_id, row.type, row.processed_at) == ("evt_9", "charge.refunded", None)
    assert row.payload["data"]["object"] == {"id": "ch_1", "object": "charge"}


def test_remember_event_adds_to_the_handlers_transaction_without_committing(app):
    with app.app_context():
        remember_event(EVENT)
        db.session.rollback()
        assert remember_event(EVENT) is True


def test_mark_event_processed_sets_the_time(app):
    with app.app_context():
        remember_event(EVENT)
        mark_event_processed(EVENT)
        db.session.commit()
        assert db.session.scalars(select(StoredEvent)).one().processed_at is not None


def test_a_second_registration_replaces_the_first(app):
    first, second = [], []
    register_handler(first.append, app)
    register_handler(second.append, app)
    payload = event_payload()

    with app.app_context():
        deliver(payload, sign_payload(payload, simulator_webhook_secret()))

    assert (len(first), len(second)) == (0, 1)


def test_a_verified_event_is_handed_to_the_handler_and_answered_ok(app, client):
    received = []
    register_handler(lambda event: (received.append(event), remember_event(event)), app)
    payload = event_payload()

    response = post_event(client, payload, simulator_signature(app, payload))

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert [(event.id, event.type) for event in received] == [
        ("evt_1", "checkout.session.completed")
    ]
    assert stored_events(app) == [("evt_1", "checkout.session.completed")]


def test_a_redelivered_event_is_answered_ok_and_stored_once(app, client):
    register_handler(remembering_handler, app)
    payload = event_payload()

    for _ in range(2):
        assert post_event(client, payload, simulator_signature(app, payload)).status_code == 200

    assert stored_events(app) == [("evt_1", "checkout.session.completed")]


def test_without_a_handler_a_verified_event_is_still_answered_ok(app, client):
    payload = event_payload()

    assert post_event(client, payload, simulator_signature(app, payload)).status_code == 200


@pytest.mark.parametrize("signature", [None, "t=1,v1=00", "nonsense"])
def test_a_bad_signature_is_refused_and_changes_nothing(app, client, signature):
    received = []
    register_handler(lambda event: (received.append(event), remember_event(event)), app)

    response = post_event(client, event_payload(), signature)

    assert response.status_code == 400
    assert received == [] and stored_events(app) == []


def test_a_body_changed_after_signing_is_refused(app, client):
    register_handler(remembering_handler, app)
    payload = event_payload()
    signature = simulator_signature(app, payload)

    response = post_event(client, payload.replace(b"4485", b"1"), signature)

    assert response.status_code == 400
    assert stored_events(app) == []


def test_when_the_handler_fails_nothing_is_stored_and_stripe_will_retry(app, client):
    def failing_handler(event: VerifiedEvent) -> None:
        remember_event(event)
        raise RuntimeError("the ledger is closed")

    register_handler(failing_handler, app)
    app.config["PROPAGATE_UNEXPECTED"] = False
    payload = event_payload()

    response = post_event(client, payload, simulator_signature(app, payload))

    assert response.status_code == 500
    assert stored_events(app) == []


def test_with_stripe_keys_events_are_verified_with_the_stripe_webhook_secret(app, stripe_app):
    register_handler(remembering_handler, stripe_app)
    client = stripe_app.test_client()
    payload = event_payload()

    assert post_event(client, payload, simulator_signature(app, payload)).status_code == 400
    assert post_event(client, payload, sign_payload(payload, WEBHOOK_SECRET)).status_code == 200
    assert stored_events(stripe_app) == [("evt_1", "checkout.session.completed")]


@pytest.fixture
def csrf_app(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    protected = create_app(
        {**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path), "WTF_CSRF_ENABLED": True}
    )
    yield protected
    with protected.app_context():
        db.engine.dispose()


def test_the_webhook_needs_no_form_token_its_signature_authenticates_it(csrf_app):
    payload = event_payload()

    response = post_event(csrf_app.test_client(), payload, simulator_signature(csrf_app, payload))

    assert response.status_code == 200
