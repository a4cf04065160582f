"""The simulator's checkout sessions and refunds, and the payment events received.

``simulated_checkout`` and ``simulated_refund`` play the part of Stripe's own records when
there are no Stripe keys. ``payment_event`` holds every verified event taken in, so a retried
or replayed event is recognised by its id, and it is the queue of events still to handle.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    bindparam,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from coopshop.extensions import db
from coopshop.models_base import Cents, created_at_column, utcnow


class SimulatedCheckout(db.Model):
    """A Checkout Session of the payment simulator, in Stripe's terms."""

    __tablename__ = "simulated_checkout"
    __table_args__ = (
        CheckConstraint("amount_total_cents >= 0", name="amount_not_negative"),
        CheckConstraint("status IN ('open', 'complete', 'expired')", name="status_known"),
        CheckConstraint(
            "payment_status IN ('unpaid', 'paid', 'no_payment_required')",
            name="payment_status_known",
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reference: Mapped[str] = mapped_column(String(500), unique=True)
    amount_total_cents: Mapped[int] = mapped_column(Cents)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="open")
    payment_status: Mapped[str] = mapped_column(String(30), default="unpaid")
    payment_intent_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    payment_method: Mapped[str | None] = mapped_column(String(20))
    # "metadata" is taken by SQLAlchemy's declarative base; the column keeps Stripe's name.
    payment_metadata: Mapped[dict[str, str]] = mapped_column("metadata", JSON)
    customer_email: Mapped[str | None] = mapped_column(String(254))
    success_url: Mapped[str] = mapped_column(String(2000))
    cancel_url: Mapped[str] = mapped_column(String(2000))
    locale: Mapped[str] = mapped_column(String(10), default="nl")
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def is_due(self, now: datetime | None = None) -> bool:
        """Open but past its expiry time: it can no longer be paid."""
        return self.status == "open" and as_utc(self.expires_at) <= (now or utcnow())


class SimulatedRefund(db.Model):
    """A refund made through the simulator; ``reference`` makes it idempotent."""

    __tablename__ = "simulated_refund"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payment_intent_id: Mapped[str] = mapped_column(String(64), index=True)
    amount_cents: Mapped[int] = mapped_column(Cents)
    reference: Mapped[str] = mapped_column(String(500), unique=True)
    payment_metadata: Mapped[dict[str, str]] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime] = created_at_column()


class StoredEvent(db.Model):
    """A verified payment event; the unique event id de-duplicates retries.

    Waiting to be handled while ``processed_at`` is empty; ``attempts`` counts the tries, and
    ``last_error`` says why the last one failed.
    """

    __tablename__ = "payment_event"
    __table_args__ = (
        # The queue: only the few unprocessed events are in this index.
        Index(
            "ix_payment_event_waiting",
            "id",
            postgresql_where="processed_at IS NULL",
            sqlite_where="processed_at IS NULL",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def insert_unless_exists(model: type[db.Model], values: dict[str, Any], unique_key: str) -> bool:
    """INSERT ... ON CONFLICT (unique_key) DO NOTHING; True when the row was inserted.

    Safe under concurrency without a savepoint: on PostgreSQL a second transaction with the
    same key waits for the first and then inserts nothing. Adds to the current transaction
    only; the caller commits.
    """
    dialect = db.session.get_bind().dialect.name
    # By column name: an attribute may be named otherwise (payment_metadata is "metadata").
    columns = {model.__mapper__.attrs[key].columns[0].name: value for key, value in values.items()}
    unique_column = model.__mapper__.attrs[unique_key].columns[0].name
    statement = _insert_unless_exists(dialect, model.__table__, unique_column, tuple(columns))
    return db.session.execute(statement, columns).first() is not None


@cache
def _insert_unless_exists(dialect: str, table: Table, unique_key: str, columns: tuple) -> Any:
    """Built once per table and columns: building a statement costs more than running it."""
    if dialect == "postgresql":
        statement = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:
        raise NotImplementedError(f"no insert-unless-exists for {dialect}")
    return (
        statement.values({column: bindparam(column) for column in columns})
        .on_conflict_do_nothing(index_elements=[unique_key])
        # RETURNING rather than rowcount, which not every driver reports for an upsert.
        .returning(table.c[unique_key])
    )
