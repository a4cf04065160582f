"""Where verified payment events go: one handler, registered by the feature that cares.

The payments gateway must not import orders, so orders subscribe instead::

    from coopshop.payments.webhooks import register_handler, remember_event

    def handle_payment_event(event: VerifiedEvent) -> None:
        if not remember_event(event):
            return  # seen before: Stripe retries, and the simulator may replay
        ...  # change the order and post to the ledger; add and flush, never commit

    register_handler(handle_payment_event, app)  # in the orders feature's init_app

The handler runs inside the transaction of whoever called ``deliver``; that caller commits once
afterwards (the webhook endpoint through ``receive_webhook``, the simulator's pay and cancel
services, or the service that asked the simulator for a refund). So the stored event, the
order's new state and the ledger postings are committed together or not at all, and a handler
that raises leaves nothing behind: the endpoint answers with an error and Stripe retries.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import update

from coopshop.extensions import db
from coopshop.models_base import utcnow
from coopshop.payments.gateway import VerifiedEvent, get_gateway
from coopshop.payments.models import StoredEvent, insert_unless_exists

Handler = Callable[[VerifiedEvent], None]
EXTENSION_KEY = "coopshop.payments.event_handler"


def register_handler(handler: Handler | None, app: Flask | None = None) -> None:
    """Make ``handler`` the one that receives every verified event of ``app`` (default: the
    current app). There is one handler per app: a second registration replaces the first,
    and ``None`` removes it. Per app rather than per process, so test apps stay apart."""
    (app or current_app).extensions[EXTENSION_KEY] = handler


def registered_handler() -> Handler | None:
    return current_app.extensions.get(EXTENSION_KEY)


def deliver(payload: bytes, signature_header: str | None) -> VerifiedEvent:
    """Verify ``payload`` with the active gateway's ``parse_event`` and hand it to the handler.

    Returns the event, also when no handler is registered (then nothing else happens).
    Raises InvalidSignature before anything is handled; whatever the handler raises passes
    through. Does not commit.
    """
    event = get_gateway().parse_event(payload, signature_header)
    handler = registered_handler()
    if handler is not None:
        handler(event)
    return event


def receive_webhook(payload: bytes, signature_header: str | None) -> VerifiedEvent:
    """The webhook endpoint's use case: deliver the raw body, then commit what the handler did.

    Raises InvalidSignature (nothing changes) or whatever the handler raised (nothing is
    committed).
    """
    event = deliver(payload, signature_header)
    db.session.commit()
    return event


def remember_event(event: VerifiedEvent) -> bool:
    """Store the event's id, type and body; False when this event id was stored before.

    For the handler, to act on every event once however often it is delivered. Safe when two
    deliveries race (INSERT ... ON CONFLICT DO NOTHING). Flushes into the handler's
    transaction; never commits.
    """
    payload = {
        "id": event.id,
        "type": event.type,
        "created": event.created,
        "data": {"object": event.data_object},
    }
    values = {"event_id": event.id, "type": event.type, "payload": payload, "received_at": utcnow()}
    return insert_unless_exists(StoredEvent, values, "event_id")


def mark_event_processed(event: VerifiedEvent) -> None:
    """Note that the handler finished with the event (stored by ``remember_event``): one
    UPDATE, nothing read. Raises LookupError if the event was never stored."""
    table = StoredEvent.__table__
    result = db.session.execute(
        update(table).where(table.c.event_id == event.id).values(processed_at=utcnow())
    )
    if result.rowcount != 1:
        raise LookupError(f"payment event {event.id} was not stored")
