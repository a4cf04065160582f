"""The Dutch calendar day, on which invoices and credit notes are dated."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def today() -> date:
    """Today in Amsterdam, whatever the server's clock zone."""
    return datetime.now(AMSTERDAM).date()
