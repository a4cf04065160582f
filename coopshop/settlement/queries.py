"""Set-based reads for the settlement: incomes, corrections, exemption months, open periods.

Every function here is one query for the whole cooperative (a GROUP BY over postings or
settlement lines, or the ledger's income totals), never one per member or per line, so a
close of a thousand members costs the same handful of queries as a close of three.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, func, select
from sqlalchemy.orm import aliased

from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from coopshop.invoicing.models import Invoice
from coopshop.ledger import income
from coopshop.ledger.accounts import member_payable
from coopshop.ledger.balances import sum_cents
from coopshop.ledger.models import (
    EntryKind,
    JournalEntry,
    LedgerAccount,
    Leg,
    OwnerType,
    PeriodLock,
    Posting,
)
from coopshop.settlement.models import SettlementLine, SettlementReport


def member_incomes(cooperative_id: int, periods: Sequence[str]) -> dict[tuple[int, str], int]:
    """Each member's income per period, keyed by (member id, period): minus the sum of their
    ``member`` legs (DESIGN §4), read from the totals the ledger keeps beside its postings
    (one row per member and period, whatever the number of sales). Positive is income
    earned; periods without postings are absent."""
    return income.member_incomes(cooperative_id, periods)


@dataclass(frozen=True)
class CorrectionRow:
    """A credit note or reversal booked in a settled month that corrects an earlier month."""

    member_id: int
    description: str
    booked_period: str
    original_period: str
    member_income: int  # negative: income taken back


def correction_rows(cooperative_id: int, periods: Sequence[str]) -> list[CorrectionRow]:
    """Refunds and reversals booked in ``periods`` whose sale lies before the first of them.

    The original month is that of the reversed entry, or of the sale entry of the invoice a
    credit note corrects (or of the invoice a refund names). Entries whose original cannot
    be found are not listed: their income still counts, they are just not labelled.
    """
    first = min(periods)
    parameters = {"cooperative_id": cooperative_id, "periods": list(periods)}
    return [
        CorrectionRow(*row)
        for row in db.session.execute(_corrections_query(), parameters)
        if row.original_period is not None and row.original_period < first
    ]


@cache
def _corrections_query() -> Select[Any]:
    """Per refund or reversal entry and member: the member legs and the original month.

    Built once (its aliases take longer to build than the query takes to run); the
    cooperative and the periods are bound parameters.
    """
    credit_note = aliased(Invoice)
    sale = aliased(JournalEntry)
    reversed_entry = aliased(JournalEntry)
    corrected_invoice = func.coalesce(credit_note.corrects_invoice_id, JournalEntry.invoice_id)
    sale_period = (
        select(func.min(sale.period))
        .where(
            sale.cooperative_id == JournalEntry.cooperative_id,
            sale.kind == EntryKind.SALE,
            sale.invoice_id == corrected_invoice,
        )
        .scalar_subquery()
    )
    original = func.coalesce(reversed_entry.period, sale_period).label("original_period")
    columns = (Posting.member_id, JournalEntry.description, JournalEntry.period, original)
    return (
        select(*columns, -sum_cents(Posting.amount_cents))
        .select_from(Posting)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .outerjoin(credit_note, credit_note.id == JournalEntry.invoice_id)
        .outerjoin(reversed_entry, reversed_entry.id == JournalEntry.reverses_id)
        .where(
            JournalEntry.cooperative_id == bindparam("cooperative_id"),
            JournalEntry.period.in_(bindparam("periods", expanding=True)),
            JournalEntry.kind.in_([EntryKind.REFUND, EntryKind.REVERSAL]),
            Posting.leg == Leg.MEMBER,
        )
        .group_by(JournalEntry.id, *columns)
        .order_by(JournalEntry.period, JournalEntry.id)
    )


def current_report() -> ColumnElement[bool]:
    """True for a report that no later version replaces."""
    newer = aliased(SettlementReport)
    return ~exists().where(newer.replaces_id == SettlementReport.id)


def member_payable_ids(cooperative_id: int) -> dict[str, int]:
    """The payable accounts of the cooperative's members that exist, id by code: one query
    by the cooperative, instead of naming a thousand codes."""
    query = select(LedgerAccount.owner_id, LedgerAccount.id).where(
        LedgerAccount.cooperative_id == cooperative_id,
        LedgerAccount.owner_type == OwnerType.MEMBER,
        LedgerAccount.kind == "payable",
    )
    rows = db.session.connection().execute(query)
    return {member_payable(member_id): account_id for member_id, account_id in rows}


def months_used(cooperative_id: int) -> dict[int, int]:
    """Exemption months each member of the cooperative has used, from the issued reports.

    Counted as the months applied on the member's lines in current reports (a replaced
    version no longer counts, its correction does); members without any are absent.
    """
    applied = SettlementLine.months_used_after - SettlementLine.months_used_before
    query = (
        select(SettlementLine.member_id, func.sum(applied))
        .join(SettlementReport, SettlementLine.report_id == SettlementReport.id)
        .join(Member, SettlementLine.member_id == Member.id)
        .where(Member.cooperative_id == cooperative_id, current_report())
        .group_by(SettlementLine.member_id)
    )
    return {member_id: int(used) for member_id, used in db.session.execute(query)}


def months_used_by(member_id: int) -> int:
    """Exemption months one member has used, counted as in :func:`months_used`."""
    applied = SettlementLine.months_used_after - SettlementLine.months_used_before
    query = (
        select(func.coalesce(func.sum(applied), 0))
        .join(SettlementReport, SettlementLine.report_id == SettlementReport.id)
        .where(SettlementLine.member_id == member_id, current_report())
    )
    return int(db.session.scalar(query) or 0)


def _locked_periods(cooperative_id: int) -> Select[tuple[str]]:
    return select(PeriodLock.period).where(PeriodLock.cooperative_id == cooperative_id)


def earliest_open_period_before(cooperative_id: int, period: str) -> str | None:
    """The earliest period before ``period`` that has bookings and is still open, if any."""
    query = select(func.min(JournalEntry.period)).where(
        JournalEntry.cooperative_id == cooperative_id,
        JournalEntry.period < period,
        JournalEntry.period.not_in(_locked_periods(cooperative_id)),
    )
    return db.session.scalar(query)


def open_periods_with_bookings(cooperative_id: int) -> list[str]:
    """The periods that have bookings of the cooperative and are not closed, oldest first."""
    query = (
        select(JournalEntry.period)
        .distinct()
        .where(
            JournalEntry.cooperative_id == cooperative_id,
            JournalEntry.period.not_in(_locked_periods(cooperative_id)),
        )
        .order_by(JournalEntry.period)
    )
    return list(db.session.scalars(query))


def closed_periods(cooperative_id: int) -> list[PeriodLock]:
    """The cooperative's closed periods, newest first."""
    query = (
        select(PeriodLock)
        .where(PeriodLock.cooperative_id == cooperative_id)
        .order_by(PeriodLock.period.desc())
    )
    return list(db.session.scalars(query))


def rule_version_in_use(rule_version_id: int) -> bool:
    """Whether an issued report names the rule version (then it may no longer change)."""
    query = select(SettlementReport.id).where(SettlementReport.rule_version_id == rule_version_id)
    return db.session.scalar(query.limit(1)) is not None


def last_settled_period(municipality_id: int) -> str | None:
    """The last month settled for the municipality by any cooperative, if any."""
    query = select(func.max(SettlementReport.period_end)).where(
        SettlementReport.municipality_id == municipality_id
    )
    return db.session.scalar(query)
