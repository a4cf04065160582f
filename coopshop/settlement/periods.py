"""Settlement periods: months, quarters and their Dutch names. Pure: no database.

A period is a month 'YYYY-MM', as in the ledger. A municipality that settles per quarter is
settled when the quarter's last month is closed, over the months of the quarter.
"""

from __future__ import annotations

import calendar
from datetime import date

from babel.dates import format_date

from coopshop.ledger.services import first_day_of, following_period

MONTHS_PER_QUARTER = 3


def last_day_of(period: str) -> date:
    """The last day of a period 'YYYY-MM'; raises ValueError for anything else."""
    first = first_day_of(period)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def quarter_months(period: str) -> list[str]:
    """The three months of the quarter that ``period`` falls in, in order."""
    first = first_day_of(period)
    start_month = (first.month - 1) // MONTHS_PER_QUARTER * MONTHS_PER_QUARTER + 1
    months = [f"{first.year:04d}-{start_month:02d}"]
    while len(months) < MONTHS_PER_QUARTER:
        months.append(following_period(months[-1]))
    return months


def is_quarter_end(period: str) -> bool:
    """Whether ``period`` is the last month of its quarter (March, June, September, December)."""
    return first_day_of(period).month % MONTHS_PER_QUARTER == 0


def months_between(start: str, end: str) -> list[str]:
    """The months from ``start`` to ``end``, both included; empty if ``start`` is later."""
    months = []
    period = start
    while period <= end:
        months.append(period)
        period = following_period(period)
    return months


def month_name(period: str) -> str:
    """'2026-09' → 'september 2026' (always Dutch: reports are Dutch documents)."""
    return format_date(first_day_of(period), "LLLL yyyy", locale="nl")


def settled_period_name(start: str, end: str) -> str:
    """'september 2026', or 'juli tot en met september 2026' for a quarter."""
    if start == end:
        return month_name(start)
    first = format_date(first_day_of(start), "LLLL", locale="nl")
    return f"{first} tot en met {month_name(end)}"


def is_period(text: str) -> bool:
    """Whether ``text`` is a well-formed period 'YYYY-MM'."""
    try:
        first_day_of(text)
    except ValueError:
        return False
    return True
