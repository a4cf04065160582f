"""The webhook registry, event de-duplication and the POST /betalingen/webhook endpoint."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from coopshop import create_app
from coopshop.extensions import db
from coopshop.mail.models import OutboxMessage
from coopshop.mail.services import Email, queue_emails
from coopshop.models_base import utcnow
from coopshop.payments.event_queue import STORING_LOCK_KEY, TURN_LOCK_KEY
from coopshop.payments.gateway import VerifiedEvent
from coopshop.payments.models import StoredEvent
from coopshop.payments.signing import sign_payload
from coopshop.payments.simulator_events import simulator_webhook_secret
from coopshop.payments.webhooks import (
    deliver,
    mark_events_processed,
    process_stored_events,
    register_handler,
    remember_event,
)
from tests.conftest import BACKEND, base_config
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


def stored_rows(app: Flask) -> list[tuple[str, bool, int, str | None]]:
    """(event id, processed?, attempts, last error) of every stored event, in arrival order."""
    with app.app_context():
        rows = db.session.scalars(select(StoredEvent).order_by(StoredEvent.id))
        return [(r.event_id, r.processed_at is not None, r.attempts, r.last_error) for r in rows]


def store(app: Flask, *event_ids: str) -> None:
    """Events taken in and committed, not handled yet (as the endpoint leaves them while
    another process works off the queue)."""
    with app.app_context():
        for event_id in event_ids:
            remember_event(VerifiedEvent(event_id, "charge.refunded", 1_790_000_000, {}))
        db.session.commit()


def side_effect(event: VerifiedEvent) -> None:
    """What a real handler does: write in the handler's transaction (here: an e-mail)."""
    queue_emails([Email("koper@example.test", f"done {event.id}", "")])


def side_effects(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.subject).order_by(OutboxMessage.id)))


EVENT = VerifiedEvent("evt_9", "charge.refunded", 1_790_000_000, {"id": "ch_1", "object": "charge"})


def test_remember_event_stores_an_event_once(app):
    with app.app_context():
        assert remember_event(EVENT) is True
        assert remember_event(EVENT) is False
        db.session.commit()
        assert remember_event(EVENT) is False
        [row] = db.session.scalars(select(StoredEvent)).all()
    assert (row.event_id, row.type, row.processed_at, row.attempts) == (
        "evt_9",
        "charge.refunded",
        None,
        0,
    )
    assert row.payload["data"]["object"] == {"id": "ch_1", "object": "charge"}


def test_remember_event_adds_to_the_handlers_transaction_without_committing(app):
    with app.app_context():
        remember_event(EVENT)
        db.session.rollback()
        assert remember_event(EVENT) is True


def test_mark_events_processed_sets_the_time_and_refuses_unknown_events(app):
    with app.app_context():
        remember_event(EVENT)
        mark_events_processed([EVENT.id])
        db.session.commit()
        assert db.session.scalars(select(StoredEvent)).one().processed_at is not None
        with pytest.raises(LookupError):
            mark_events_processed(["evt_unknown"])


def test_a_second_registration_replaces_the_first(app):
    first, second = [], []
    register_handler(first.extend, app)
    register_handler(second.extend, app)
    payload = event_payload()

    with app.app_context():
        deliver(payload, sign_payload(payload, simulator_webhook_secret()))

    assert (len(first), len(second)) == (0, 1)


def test_a_verified_event_is_stored_handled_and_answered_ok(app, client):
    received = []
    register_handler(received.extend, app)
    payload = event_payload()

    response = post_event(client, payload, simulator_signature(app, payload))

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert [(event.id, event.type) for event in received] == [
        ("evt_1", "checkout.session.completed")
    ]
    assert received[0].data_object["amount_total"] == 4485
    assert stored_rows(app) == [("evt_1", True, 1, None)]


def test_a_redelivered_event_is_answered_ok_stored_and_handled_once(app, client):
    received = []
    register_handler(received.extend, app)
    payload = event_payload()

    for _ in range(2):
        assert post_event(client, payload, simulator_signature(app, payload)).status_code == 200

    assert [event.id for event in received] == ["evt_1"]
    assert stored_rows(app) == [("evt_1", True, 1, None)]


def test_without_a_handler_a_verified_event_is_still_answered_ok(app, client):
    payload = event_payload()

    assert post_event(client, payload, simulator_signature(app, payload)).status_code == 200
    assert stored_rows(app) == [("evt_1", True, 1, None)]


@pytest.mark.parametrize("signature", [None, "t=1,v1=00", "nonsense"])
def test_a_bad_signature_is_refused_and_changes_nothing(app, client, signature):
    received = []
    register_handler(received.extend, app)

    response = post_event(client, event_payload(), signature)

    assert response.status_code == 400
    assert received == [] and stored_events(app) == []


def test_a_body_changed_after_signing_is_refused(app, client):
    register_handler(lambda events: None, app)
    payload = event_payload()
    signature = simulator_signature(app, payload)

    response = post_event(client, payload.replace(b"4485", b"1"), signature)

    assert response.status_code == 400
    assert stored_events(app) == []


def test_waiting_events_are_handled_together_in_the_order_they_arrived(app):
    calls = []

    def handler(events: list[VerifiedEvent]) -> None:
        calls.append([event.id for event in events])
        for event in events:
            side_effect(event)

    register_handler(handler, app)
    store(app, "evt_a", "evt_b", "evt_c")

    with app.app_context():
        assert process_stored_events() == 3

    assert calls == [["evt_a", "evt_b", "evt_c"]]
    assert [row[:3] for row in stored_rows(app)] == [
        ("evt_a", True, 1),
        ("evt_b", True, 1),
        ("evt_c", True, 1),
    ]
    assert side_effects(app) == ["done evt_a", "done evt_b", "done evt_c"]


def test_batches_hold_at_most_the_batch_size(app):
    calls = []
    register_handler(lambda events: calls.append([e.id for e in events]), app)
    store(app, "evt_1", "evt_2", "evt_3", "evt_4", "evt_5")

    with app.app_context():
        assert process_stored_events(batch_size=2) == 5

    assert calls == [["evt_1", "evt_2"], ["evt_3", "evt_4"], ["evt_5"]]


def failing_on(bad_id: str):
    def handler(events: list[VerifiedEvent]) -> None:
        for event in events:
            side_effect(event)
            if event.id == bad_id:
                raise RuntimeError("the ledger is closed")

    return handler


def test_one_failing_event_does_not_hold_up_the_others_and_keeps_its_error(app):
    register_handler(failing_on("evt_b"), app)
    store(app, "evt_a", "evt_b", "evt_c")

    with app.app_context():
        assert process_stored_events() == 2

    # The batch was rolled back whole, then each event handled on its own: evt_a and evt_c
    # once each (one e-mail each), evt_b not at all, with its error kept.
    assert stored_rows(app) == [
        ("evt_a", True, 1, None),
        ("evt_b", False, 1, "RuntimeError: the ledger is closed"),
        ("evt_c", True, 1, None),
    ]
    assert side_effects(app) == ["done evt_a", "done evt_c"]


def test_when_the_handler_fails_the_event_is_kept_answered_ok_and_retried_later(app, client):
    register_handler(failing_on("evt_1"), app)
    app.config["PROPAGATE_UNEXPECTED"] = False
    payload = event_payload()

    response = post_event(client, payload, simulator_signature(app, payload))

    # Stored is ours: Stripe need not deliver it again; the error waits for a retry.
    assert response.status_code == 200
    assert stored_rows(app) == [("evt_1", False, 1, "RuntimeError: the ledger is closed")]
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["payments", "failed"])
    assert "evt_1  checkout.session.completed  1 attempt(s)  RuntimeError" in listed.output

    failed_again = runner.invoke(args=["payments", "process"])
    assert failed_again.exit_code == 1
    assert "0 event(s) handled, 1 failed." in failed_again.output
    assert stored_rows(app)[0][:3] == ("evt_1", False, 2)

    register_handler(lambda events: list(map(side_effect, events)), app)
    result = runner.invoke(args=["payments", "process"])
    assert result.exit_code == 0, result.output
    assert "1 event(s) handled, 0 failed." in result.output
    assert stored_rows(app) == [("evt_1", True, 3, None)]
    assert side_effects(app) == ["done evt_1"]


def test_an_event_that_failed_five_times_is_left_for_a_person(app):
    register_handler(failing_on("evt_1"), app)
    store(app, "evt_1")
    runner = app.test_cli_runner()
    with app.app_context():
        process_stored_events()
    for _ in range(4):
        runner.invoke(args=["payments", "process"])

    result = runner.invoke(args=["payments", "process"])

    assert "0 event(s) handled, 0 failed." in result.output
    assert stored_rows(app)[0][:3] == ("evt_1", False, 5)
    listed = runner.invoke(args=["payments", "failed"]).output
    assert "5 attempt(s)  RuntimeError: the ledger is closed  (no more retries)" in listed


def test_the_endpoint_leaves_the_queue_to_a_process_already_working_it_off(app, client):
    """While another transaction holds the turn, a delivery only stores its event."""
    received = []
    register_handler(received.extend, app)
    payload = event_payload()
    with app.app_context():
        if BACKEND != "postgresql":
            pytest.skip("the turn is PostgreSQL's advisory lock")
        holder = db.engine.connect()
        transaction = holder.begin()
        holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TURN_LOCK_KEY})
        try:
            assert post_event(client, payload, simulator_signature(app, payload)).status_code == 200
            assert received == []
            assert stored_rows(app) == [("evt_1", False, 0, None)]
        finally:
            transaction.rollback()
            holder.close()
        assert process_stored_events() == 1
    assert [event.id for event in received] == ["evt_1"]


def test_with_stripe_keys_events_are_verified_with_the_stripe_webhook_secret(app, stripe_app):
    register_handler(lambda events: None, stripe_app)
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


def test_a_turn_that_ends_waits_for_deliveries_storing_now_and_sees_their_events(app):
    """The race the storing lock closes: a delivery that found the turn taken commits its
    event just after the holder's last batch; the holder's last look must still see it."""
    if BACKEND != "postgresql":
        pytest.skip("the locks are PostgreSQL's advisory locks")
    received = []
    register_handler(received.extend, app)
    with app.app_context():
        delivery = db.engine.connect()
        storing = delivery.begin()
        # A delivery mid-way: its event inserted, the storing lock held shared, not committed.
        delivery.execute(
            text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": STORING_LOCK_KEY}
        )
        delivery.execute(
            StoredEvent.__table__.insert().values(
                event_id="evt_late",
                type="charge.refunded",
                attempts=0,
                received_at=utcnow(),
                payload={"id": "evt_late", "created": 1, "data": {"object": {}}},
            )
        )
        timer = threading.Timer(0.5, storing.commit)
        timer.start()
        try:
            # The holder's last look waits for the delivery's commit, then finds its event.
            assert process_stored_events() == 1
        finally:
            timer.join()
            delivery.close()
    assert [event.id for event in received] == ["evt_late"]
