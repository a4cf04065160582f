"""Payment events: taken in, stored once, and handed in batches to the one registered handler.

The payments gateway must not import orders, so orders subscribe instead::

    from coopshop.payments.webhooks import register_handler

    def handle_payment_events(events: list[VerifiedEvent]) -> None:
        ...  # change the orders and post to the ledger; add and flush, never commit

    register_handler(handle_payment_events, app)  # in the orders feature's init_app

The webhook endpoint (``receive_webhook``) verifies the signature, stores the event under its
unique id and commits: from then on the event is ours, and the provider gets its 200 however
long the work takes. The same request then works off what is waiting
(``process_stored_events``): the handler gets the stored events that nobody has processed, up
to ``BATCH_SIZE`` at once, in the order they arrived, and each batch is handled, marked
processed and committed in one transaction. So every event's order change, invoices and
ledger postings commit together with the mark that says it is done, or not at all; a batch
shares one commit and one statement per table instead of one per event.

Only one process works off the events at a time (PostgreSQL: an advisory lock; SQLite: its
single writer). While it works, the other workers only store events, and it picks those up in
its next batch. A batch that fails is rolled back and its events are handled one by one, each
in its own transaction; an event that fails on its own keeps its error (``attempts``,
``last_error``) and is tried again by ``coopshop payments process`` (run it from cron),
without holding up the others.

The simulator (and the service that asks it for a refund) calls ``deliver`` instead: the
event is verified, stored and handled at once in the caller's transaction, which the caller
commits, so the payer sees the outcome on the very next page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from flask import Flask, current_app
from sqlalchemy import select, update

from coopshop.extensions import db
from coopshop.models_base import utcnow
from coopshop.payments.event_queue import (
    FILL_TO,
    claim_batch,
    dialect_name,
    fresh_events_waiting,
    statements,
    turn_taken_while_storing,
    verified,
)
from coopshop.payments.gateway import VerifiedEvent, get_gateway
from coopshop.payments.models import StoredEvent, insert_unless_exists

log = logging.getLogger(__name__)

Handler = Callable[[list[VerifiedEvent]], None]
EXTENSION_KEY = "coopshop.payments.event_handler"
BATCH_SIZE = 100
# How long one request may go on working off events before it answers; what is left waits
# for the next request (or ``coopshop payments process``).
WORK_SECONDS = 5.0
# Events that failed this many times are left for a person to look at.
MAX_ATTEMPTS = 5


def register_handler(handler: Handler | None, app: Flask | None = None) -> None:
    """Make ``handler`` the one that receives every verified event of ``app`` (default: the
    current app), as a list in the order they arrived. There is one handler per app: a second
    registration replaces the first, and ``None`` removes it. Per app rather than per process,
    so test apps stay apart."""
    (app or current_app).extensions[EXTENSION_KEY] = handler


def registered_handler() -> Handler | None:
    return current_app.extensions.get(EXTENSION_KEY)


def receive_webhook(payload: bytes, signature_header: str | None) -> VerifiedEvent:
    """The webhook endpoint's use case: verify the raw body, store the event and commit, then
    work off the stored events (this one among them) while no other process does.

    Raises InvalidSignature before anything is stored. A repeated delivery of a stored event
    stores nothing. What handling an event raises is recorded on that event and never
    reaches the caller: the event is ours once it is stored.
    """
    event = get_gateway().parse_event(payload, signature_header)
    if not remember_event(event):
        # Seen before: whoever stored it first saw to it being handled.
        db.session.rollback()
        return event
    turn_taken = turn_taken_while_storing()
    db.session.commit()
    if not turn_taken:
        process_stored_events()
    return event


def deliver(payload: bytes, signature_header: str | None) -> VerifiedEvent:
    """Verify ``payload``, store the event and hand it to the handler now, in the caller's
    transaction (the simulator's pages and refunds): the caller commits once afterwards, so
    the event, the order's new state and the ledger postings are committed together.

    An event stored before is not handled again. Raises InvalidSignature before anything is
    stored; whatever the handler raises passes through, and the caller rolls back.
    """
    event = get_gateway().parse_event(payload, signature_header)
    if remember_event(event, attempts=1):
        handler = registered_handler()
        if handler is not None:
            handler([event])
        mark_events_processed([event.id])
    return event


def remember_event(event: VerifiedEvent, attempts: int = 0) -> bool:
    """Store the event's id, type and body; False when this event id was stored before.

    Safe when two deliveries race (INSERT ... ON CONFLICT DO NOTHING). Adds to the current
    transaction; never commits.
    """
    payload = {
        "id": event.id,
        "type": event.type,
        "created": event.created,
        "data": {"object": event.data_object},
    }
    values = {
        "event_id": event.id,
        "type": event.type,
        "payload": payload,
        "received_at": utcnow(),
        "attempts": attempts,
    }
    return insert_unless_exists(StoredEvent, values, "event_id")


def mark_events_processed(event_ids: Sequence[str]) -> None:
    """Note that the handler finished with these stored events: one UPDATE, nothing read.
    Raises LookupError if one of them was never stored."""
    result = db.session.execute(
        statements(db.session.get_bind().dialect.name).mark_processed,
        {"ids": list(event_ids), "now": utcnow()},
    )
    if result.rowcount != len(set(event_ids)):
        raise LookupError(f"payment events {list(event_ids)} were not all stored")


def process_stored_events(batch_size: int = BATCH_SIZE, work_seconds: float = WORK_SECONDS) -> int:
    """Work off the stored events nobody has tried yet, a batch per transaction, until none
    are left, ``work_seconds`` have passed, or another process is doing it. Returns how many
    events were handled. Commits every batch; never raises for an event that fails."""
    handled, deadline, empty_claims, fill = 0, time.monotonic() + work_seconds, 0, False
    while time.monotonic() < deadline:
        batch = claim_batch(batch_size, fill)
        if batch is None:  # another process works them off and will see ours
            return handled
        if not batch:
            db.session.commit()
            # Checked after the commit that ends our turn: an event stored while we held it
            # may have been left to us by a request that found the turn taken. Twice empty
            # with events waiting: another transaction holds them (PostgreSQL skips rows
            # locked by someone else); leave them to it.
            empty_claims += 1
            if empty_claims == 2 or not fresh_events_waiting(1):
                return handled
            continue
        empty_claims = 0
        handled += _handle_batch(batch)
        if len(batch) < batch_size:
            # The batch took all there was: only what came in since can wait.
            waiting = fresh_events_waiting(FILL_TO)
            if not waiting:
                return handled
            fill = waiting < FILL_TO
    db.session.commit()
    return handled


def retry_failed_events(max_attempts: int = MAX_ATTEMPTS) -> tuple[int, int]:
    """Try every stored, unprocessed event again, one per transaction, fewer than
    ``max_attempts`` tries first: for ``coopshop payments process``. Returns (handled,
    failed)."""
    table = StoredEvent.__table__
    ids = db.session.scalars(
        select(table.c.id)
        .where(table.c.processed_at.is_(None), table.c.attempts < max_attempts)
        .order_by(table.c.id)
    ).all()
    db.session.commit()
    results = [_handle_alone(event_id) for event_id in ids]
    return results.count(True), results.count(False)


def failed_events() -> list[StoredEvent]:
    """Stored events tried and not processed, for a person to look at (those with
    MAX_ATTEMPTS tries are no longer retried)."""
    return list(
        db.session.scalars(
            select(StoredEvent)
            .where(StoredEvent.processed_at.is_(None), StoredEvent.attempts > 0)
            .order_by(StoredEvent.id)
        )
    )


def _handle_batch(batch: list[tuple[int, VerifiedEvent]]) -> int:
    """Handle a claimed batch and commit; if it fails, roll back and take its events one by
    one, so one bad event cannot hold up the rest. Returns how many were handled."""
    try:
        _hand_over([event for _, event in batch])
        mark_events_processed([event.id for _, event in batch])
        db.session.commit()
        return len(batch)
    except Exception:
        db.session.rollback()
        log.warning("A batch of %s payment events failed; handling them one by one", len(batch))
    return [_handle_alone(event_id) for event_id, _ in batch].count(True)


def _handle_alone(event_id: int) -> bool:
    """Claim one stored event, handle it and commit; on failure record the error on it."""
    table = StoredEvent.__table__
    try:
        claimed = db.session.execute(
            statements(dialect_name()).claim_one, {"stored_id": event_id}
        ).all()
        if claimed:
            event = verified(claimed[0])
            _hand_over([event])
            mark_events_processed([event.id])
        db.session.commit()
        return bool(claimed)
    except Exception as error:
        db.session.rollback()
        log.exception("Payment event %s failed", event_id)
        db.session.execute(
            update(table)
            .where(table.c.id == event_id)
            .values(
                attempts=table.c.attempts + 1,
                last_error=f"{type(error).__name__}: {error}"[:500],
            )
        )
        db.session.commit()
        return False


def _hand_over(events: list[VerifiedEvent]) -> None:
    handler = registered_handler()
    if handler is not None:
        handler(events)
