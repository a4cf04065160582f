"""Each member's income per period, kept as a running total beside the postings.

A member's income in a period is minus the sum of their ``member`` legs in the cooperative's
entries of that period (DESIGN §4): sales credit the member's payable, credit notes debit it.
The posting service adds the member legs of every entry it books to ``member_period_income``
in the same transaction (:func:`add_member_legs`), so the period close reads one row per
member instead of summing every posting of the month; ``coopshop ledger check`` compares the
totals with the postings (:func:`incomes_from_postings`). Postings are append-only, so the
totals only ever grow by what is booked next to them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import TextClause, select, text
from sqlalchemy.dialects import sqlite

from coopshop.extensions import db
from coopshop.ledger.balances import sum_cents
from coopshop.ledger.models import JournalEntry, Leg, MemberPeriodIncome, Posting

# (cooperative id, period, member id)
IncomeKey = tuple[int, str, int]
# How many rows one SQLite statement carries (four parameters each, well within its limit).
_SQLITE_ROWS_PER_STATEMENT = 500


def count_member_legs(
    totals: dict[IncomeKey, int],
    cooperative_id: int | None,
    period: str,
    postings: Iterable[tuple[Any, int, int | None, str | None]],
) -> None:
    """Add the income in one entry's postings, given as (account, cents, member id, leg) like
    a ledger ``Line``, to ``totals`` (a ``defaultdict(int)``). Entries of no cooperative carry
    no member income."""
    if cooperative_id is None:
        return
    member_leg = Leg.MEMBER.value
    for _, cents, member_id, leg in postings:
        if leg == member_leg and member_id is not None:
            totals[cooperative_id, period, member_id] -= cents


def add_member_legs(totals: Mapping[IncomeKey, int]) -> None:
    """Add income to the members' totals, creating the rows that do not exist yet.

    One statement for all rows on PostgreSQL (a row that exists is updated in place, so two
    transactions adding to the same member wait for each other instead of losing an amount);
    rows in key order, so that two of them lock the same rows in the same order. Adds only;
    the caller commits.
    """
    rows = [
        {"cooperative_id": key[0], "period": key[1], "member_id": key[2], "income_cents": cents}
        for key, cents in sorted(totals.items())
    ]
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        payload = json.dumps(rows, separators=(",", ":"))
        connection.execute(_postgresql_upsert(), {"rows": payload})
        return
    table = MemberPeriodIncome.__table__
    for start in range(0, len(rows), _SQLITE_ROWS_PER_STATEMENT):
        statement = sqlite.insert(table).values(rows[start : start + _SQLITE_ROWS_PER_STATEMENT])
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.cooperative_id, table.c.period, table.c.member_id],
                set_={"income_cents": table.c.income_cents + statement.excluded.income_cents},
            )
        )


@cache
def _postgresql_upsert() -> TextClause:
    # One JSON parameter, so the statement is the same however many rows it carries.
    return text(
        "INSERT INTO member_period_income (cooperative_id, period, member_id, income_cents) "
        "SELECT cooperative_id, period, member_id, income_cents "
        "FROM json_populate_recordset(NULL::member_period_income, CAST(:rows AS json)) "
        "ON CONFLICT (cooperative_id, period, member_id) DO UPDATE "
        "SET income_cents = member_period_income.income_cents + EXCLUDED.income_cents"
    )


def member_incomes(cooperative_id: int, periods: Sequence[str]) -> dict[tuple[int, str], int]:
    """Each member's income per period, keyed by (member id, period), from the totals.

    A positive figure is income earned. Members without postings in a period are absent.
    """
    query = select(
        MemberPeriodIncome.member_id, MemberPeriodIncome.period, MemberPeriodIncome.income_cents
    ).where(
        MemberPeriodIncome.cooperative_id == cooperative_id,
        MemberPeriodIncome.period.in_(list(periods)),
    )
    return {(member, period): cents for member, period, cents in db.session.execute(query)}


def incomes_from_postings() -> dict[IncomeKey, int]:
    """Every member's income in every period of every cooperative, summed from the postings
    themselves (what the totals must equal): one GROUP BY over every member leg."""
    query = (
        select(
            JournalEntry.cooperative_id,
            JournalEntry.period,
            Posting.member_id,
            -sum_cents(Posting.amount_cents),
        )
        .select_from(Posting)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(
            JournalEntry.cooperative_id.is_not(None),
            Posting.member_id.is_not(None),
            Posting.leg == Leg.MEMBER,
        )
        .group_by(JournalEntry.cooperative_id, JournalEntry.period, Posting.member_id)
    )
    return {
        (cooperative, period, member): cents
        for cooperative, period, member, cents in db.session.execute(query)
    }


def stored_incomes() -> dict[IncomeKey, int]:
    """Every stored total."""
    query = select(
        MemberPeriodIncome.cooperative_id,
        MemberPeriodIncome.period,
        MemberPeriodIncome.member_id,
        MemberPeriodIncome.income_cents,
    )
    return {
        (cooperative, period, member): cents
        for cooperative, period, member, cents in db.session.execute(query)
    }
