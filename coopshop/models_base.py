"""Column helpers shared by every feature's models."""

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Aware UTC timestamps everywhere; the display layer converts to Europe/Amsterdam."""
    return datetime.now(UTC)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


# Amounts are integer cents; BigInteger so a large cooperative's yearly totals never overflow.
Cents = BigInteger
