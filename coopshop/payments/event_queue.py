"""The queue of stored payment events: who works it off, and how a batch is claimed.

One transaction at a time works off the events (PostgreSQL: the advisory lock TURN_LOCK_KEY;
SQLite has one writer anyway). A delivery that finds the turn taken only stores its event,
holding STORING_LOCK_KEY shared while it does; the transaction whose turn ends takes that lock
alone before its last look, so it waits for every such delivery and sees its event. The
statements are built once per database: building one costs more than running it.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, select, text, update

from coopshop.extensions import db
from coopshop.payments.gateway import VerifiedEvent
from coopshop.payments.models import StoredEvent

# Any fixed numbers, the same in every process: the keys of the PostgreSQL advisory locks.
# The turn: one transaction at a time works off stored events.
TURN_LOCK_KEY = 0x636F6F70  # "coop"
# Storing: each delivery holds it shared while it stores its event; the one whose turn ends
# takes it alone before its last look, so it waits for every delivery that saw the turn
# taken and left its event to it.
STORING_LOCK_KEY = 0x636F6F71
# While events keep coming in fewer than this many at a time, the next batch waits this
# long for more, so that a busy queue is worked off in fewer, larger batches.
FILL_TO, FILL_SECONDS = 50, 0.02


def claim_batch(size: int, fill: bool = False) -> list[tuple[int, VerifiedEvent]] | None:
    """Start a transaction that holds the turn to work off events and claim the next
    ``size`` untried ones (their attempts go up by one); None when another transaction holds
    the turn. With ``fill`` (events keep coming in, a few at a time) the turn is held for
    FILL_SECONDS before the claim, so that the deliveries meanwhile leave their events to
    this batch instead of each starting a small one of their own (PostgreSQL).

    The claim is the transaction's first statement and a write, so on SQLite it takes the
    write lock before anything is read: two processes cannot both read the same events as
    untried.
    """
    if is_postgresql():
        if not db.session.scalar(TRY_TURN, {"key": TURN_LOCK_KEY}):
            db.session.rollback()
            return None
        if fill:
            time.sleep(FILL_SECONDS)
    rows = db.session.execute(statements(dialect_name()).claim, {"size": size}).all()
    return sorted((row.id, verified(row)) for row in rows)


class Statements(NamedTuple):
    """The statements of the queue, built once per database: building one costs more than
    running it."""

    claim: Any
    claim_one: Any
    mark_processed: Any
    count_untried: Any


@cache
def statements(dialect: str) -> Statements:
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
    return Statements(
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


def turn_taken_while_storing() -> bool:
    """PostgreSQL: True when another transaction is working off the events now; it will see
    ours (see STORING_LOCK_KEY). One statement in the storing transaction, instead of a
    transaction of its own. SQLite: always False (the claim itself waits for the writer)."""
    if not is_postgresql():
        return False
    return not db.session.scalar(
        STORE_AND_TRY_TURN, {"storing": STORING_LOCK_KEY, "turn": TURN_LOCK_KEY}
    )


def fresh_events_waiting(up_to: int) -> int:
    """How many untried events wait (counted up to ``up_to``), seen after every delivery
    that is storing one now has committed (PostgreSQL: STORING_LOCK_KEY taken alone)."""
    if is_postgresql():
        db.session.execute(WAIT_FOR_STORING, {"key": STORING_LOCK_KEY})
    waiting = db.session.scalar(statements(dialect_name()).count_untried, {"up_to": up_to}) or 0
    db.session.commit()
    return waiting


def verified(row: Any) -> VerifiedEvent:
    """A stored event as the handler gets it (its signature was checked when it came in)."""
    payload = row.payload
    return VerifiedEvent(row.event_id, row.type, payload["created"], payload["data"]["object"])


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def is_postgresql() -> bool:
    return dialect_name() == "postgresql"
