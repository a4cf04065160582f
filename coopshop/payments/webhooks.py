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
from functools import cache
from typing import Any, NamedTuple

from flask import Flask, current_app
from sqlalchemy import bindparam, func, select, text, update

from coopshop.extensions import db
from coopshop.models_base import utcnow
from coopshop.payments.gateway import VerifiedEvent, get_gateway
from coopshop.payments.models import StoredEvent, insert_unless_exists

log = logging.getLogger(__name__)

Handler = Callable[[list[VerifiedEvent]], None]
EXTENSION_KEY = "coopshop.payments.event_handler"
BATCH_SIZE = 100
# How long one request may go on working off events before it answers; what is left waits
# for the next request (or ``coopshop payments process``).
WORK_SECONDS = 5.0
# While events keep coming in fewer than this many at a time, the next batch waits this
# long for more, so that a busy queue is worked off in fewer, larger batches.
FILL_TO, FILL_SECONDS = 50, 0.02
# Events that failed this many times are left for a person to look at.
MAX_ATTEMPTS = 5
# Any fixed numbers, the same in every process: the keys of the PostgreSQL advisory locks.
# The turn: one transaction at a time works off stored events.
ADVISORY_LOCK_KEY = 0x636F6F70  # "coop"
# Storing: each delivery holds it shared while it stores its event; the one whose turn ends
# takes it alone before its last look, so it waits for every delivery that saw the turn
# taken and left its event to it.
STORING_LOCK_KEY = 0x636F6F71


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
    turn_taken = _turn_taken_while_storing()
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
        _statements(db.session.get_bind().dialect.name).mark_processed,
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
        batch = _claim_batch(batch_size, fill)
        if batch is None:  # another process works them off and will see ours
            return handled
        if not batch:
            db.session.commit()
            # Checked after the commit that ends our turn: an event stored while we held it
            # may have been left to us by a request that found the turn taken. Twice empty
            # with events waiting: another transaction holds them (PostgreSQL skips rows
            # locked by someone else); leave them to it.
            empty_claims += 1
            if empty_claims == 2 or not _fresh_events_waiting(1):
                return handled
            continue
        empty_claims = 0
        handled += _handle_batch(batch)
        if len(batch) < batch_size:
            # The batch took all there was: only what came in since can wait.
            waiting = _fresh_events_waiting(FILL_TO)
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


def failed_events(max_attempts: int = MAX_ATTEMPTS) -> list[StoredEvent]:
    """Stored events tried and not processed, for a person to look at."""
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
            _statements(_dialect()).claim_one, {"stored_id": event_id}
        ).all()
        if claimed:
            event = _verified(claimed[0])
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


def _claim_batch(size: int, fill: bool = False) -> list[tuple[int, VerifiedEvent]] | None:
    """Start a transaction that holds the turn to work off events and claim the next
    ``size`` untried ones (their attempts go up by one); None when another transaction holds
    the turn. With ``fill`` (events keep coming in, a few at a time) the turn is held for
    FILL_SECONDS before the claim, so that the deliveries meanwhile leave their events to
    this batch instead of each starting a small one of their own (PostgreSQL).

    The claim is the transaction's first statement and a write, so on SQLite it takes the
    write lock before anything is read: two processes cannot both read the same events as
    untried.
    """
    if _is_postgresql():
        if not db.session.scalar(TRY_TURN, {"key": ADVISORY_LOCK_KEY}):
            db.session.rollback()
            return None
        if fill:
            time.sleep(FILL_SECONDS)
    rows = db.session.execute(_statements(_dialect()).claim, {"size": size}).all()
    return sorted((row.id, _verified(row)) for row in rows)


class _Statements(NamedTuple):
    """The statements of the queue, built once per database: building one costs more than
    running it."""

    claim: Any
    claim_one: Any
    mark_processed: Any
    count_untried: Any


@cache
def _statements(dialect: str) -> _Statements:
    table = StoredEvent.__table__
    untried = table.c.processed_at.is_(None), table.c.attempts == 0
    first_untried = select(table.c.id).where(*untried).order_by(table.c.id).limit(bindparam("size"))
    if dialect == "postgresql":
        # A CTE, not ``IN (subquery)``: PostgreSQL may run such a subquery again for each
        # row, and with SKIP LOCKED each run finds other rows, so LIMIT would not hold.
        claimed = first_untried.with_for_update(skip_locked=True).cte("claimed")
        condition = table.c.id == claimed.c.id
    else:
        # The statement must start with UPDATE: Python's sqlite3 opens the transaction only
        # before a statement that starts with INSERT, UPDATE or DELETE (not WITH).
        condition = table.c.id.in_(first_untried.scalar_subquery())
    waiting = select(table.c.id).where(*untried).limit(bindparam("up_to")).subquery()
    return _Statements(
        claim=_claim_statement(condition),
        claim_one=_claim_statement(table.c.id == bindparam("stored_id")),
        mark_processed=update(table)
        .where(table.c.event_id.in_(bindparam("ids", expanding=True)))
        .values(processed_at=bindparam("now"), last_error=None),
        count_untried=select(func.count()).select_from(waiting),
    )


def _claim_statement(condition: Any) -> Any:
    """Claim stored, unprocessed events: their attempts go up by one, their rows are locked
    until the commit, and they come back to be handled."""
    table = StoredEvent.__table__
    return (
        update(table)
        .where(condition, table.c.processed_at.is_(None))
        .values(attempts=table.c.attempts + 1)
        .returning(table.c.id, table.c.event_id, table.c.type, table.c.payload)
    )


TRY_TURN = text("SELECT pg_try_advisory_xact_lock(:key)")
# MATERIALIZED: the shared lock is taken before the turn is tried.
STORE_AND_TRY_TURN = text(
    "WITH storing AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(:storing)) "
    "SELECT pg_try_advisory_xact_lock(:turn) FROM storing"
)
WAIT_FOR_STORING = text("SELECT pg_advisory_xact_lock(:key)")


def _turn_taken_while_storing() -> bool:
    """PostgreSQL: True when another transaction is working off the events now; it will see
    ours (see STORING_LOCK_KEY). One statement in the storing transaction, instead of a
    transaction of its own. SQLite: always False (the claim itself waits for the writer)."""
    if not _is_postgresql():
        return False
    return not db.session.scalar(
        STORE_AND_TRY_TURN, {"storing": STORING_LOCK_KEY, "turn": ADVISORY_LOCK_KEY}
    )


def _fresh_events_waiting(up_to: int) -> int:
    """How many untried events wait (counted up to ``up_to``), seen after every delivery
    that is storing one now has committed (PostgreSQL: STORING_LOCK_KEY taken alone)."""
    if _is_postgresql():
        db.session.execute(WAIT_FOR_STORING, {"key": STORING_LOCK_KEY})
    waiting = db.session.scalar(_statements(_dialect()).count_untried, {"up_to": up_to}) or 0
    db.session.commit()
    return waiting


def _verified(row: Any) -> VerifiedEvent:
    """A stored event as the handler gets it (its signature was checked when it came in)."""
    payload = row.payload
    return VerifiedEvent(row.event_id, row.type, payload["created"], payload["data"]["object"])


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _is_postgresql() -> bool:
    return _dialect() == "postgresql"
