"""Payout runs: a SEPA batch for members' pots and withheld offsets, exported, then executed.

Only settled money is paid: a member's pot counts the bookings up to the last period that was
settled for them (so the offset of that period has been withheld), plus every payout. Recent
sales, whose refunds are the likeliest, therefore wait for the next close. A member is paid
once the pot reaches the cooperative's threshold; a municipality gets everything withheld for
it in this cooperative's books. Members and municipalities without a valid IBAN are listed as
skipped. The ledger is touched only when the batch is marked executed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from coopshop.cooperatives.models import Cooperative, Member, Municipality
from coopshop.extensions import db
from coopshop.ledger.balances import sum_cents
from coopshop.ledger.models import JournalEntry, LedgerAccount, Leg, OwnerType, Posting
from coopshop.settlement.models import (
    PayeeType,
    PayoutBatch,
    PayoutItem,
    SettlementLine,
    SettlementReport,
)
from coopshop.settlement.sepa import valid_iban

NO_IBAN = "Geen geldig IBAN bekend"


def _owed(amount: object) -> object:
    # Minus the sum: money owed is a credit balance.
    return -sum_cents(amount)


def settled_member_pots(cooperative_id: int) -> dict[int, int]:
    """What the cooperative owes each member for settled periods, minus what was paid out.

    One query: per member, the postings on their payable account booked up to the last
    period on any of their settlement lines, plus every payout posting.
    """
    settled = (
        select(
            SettlementLine.member_id.label("member_id"),
            func.max(SettlementReport.period_end).label("through"),
        )
        .join(SettlementReport, SettlementLine.report_id == SettlementReport.id)
        .where(SettlementReport.cooperative_id == cooperative_id)
        .group_by(SettlementLine.member_id)
        .subquery()
    )
    query = (
        select(LedgerAccount.owner_id, _owed(Posting.amount_cents))
        .select_from(Posting)
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .join(settled, settled.c.member_id == LedgerAccount.owner_id)
        .where(
            LedgerAccount.owner_type == OwnerType.MEMBER,
            LedgerAccount.cooperative_id == cooperative_id,
            or_(JournalEntry.period <= settled.c.through, Posting.leg == Leg.PAYOUT),
        )
        .group_by(LedgerAccount.owner_id)
    )
    return dict(db.session.execute(query).all())  # type: ignore[arg-type]


def withheld_per_municipality(cooperative_id: int) -> dict[int, int]:
    """What this cooperative's books owe each municipality: offsets minus payouts to it."""
    query = (
        select(LedgerAccount.owner_id, _owed(Posting.amount_cents))
        .select_from(Posting)
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(
            LedgerAccount.owner_type == OwnerType.MUNICIPALITY,
            JournalEntry.cooperative_id == cooperative_id,
        )
        .group_by(LedgerAccount.owner_id)
    )
    return dict(db.session.execute(query).all())  # type: ignore[arg-type]


@dataclass(frozen=True)
class Payee:
    """Someone a new batch would pay, or skip (``iban`` None)."""

    payee_type: PayeeType
    payee_id: int
    name: str
    iban: str | None
    amount_cents: int


def payees(cooperative: Cooperative) -> list[Payee]:
    """Who a batch made now would pay: members at or above the threshold, then municipalities.

    Members and municipalities without a valid IBAN are included with ``iban`` None.
    """
    pots = {
        member_id: cents
        for member_id, cents in settled_member_pots(cooperative.id).items()
        if cents > 0 and cents >= cooperative.payout_threshold_cents
    }
    members = db.session.scalars(
        select(Member).where(Member.id.in_(list(pots))).options(joinedload(Member.user))
    ).all()
    owed = {
        mid: cents for mid, cents in withheld_per_municipality(cooperative.id).items() if cents > 0
    }
    municipalities = db.session.scalars(select(Municipality).where(Municipality.id.in_(list(owed))))
    result = [
        Payee(PayeeType.MEMBER, m.id, m.user.name, valid_iban(m.iban), pots[m.id])
        for m in sorted(members, key=lambda m: (m.user.name, m.id))
    ]
    result += [
        Payee(PayeeType.MUNICIPALITY, m.id, f"Gemeente {m.name}", valid_iban(m.iban), owed[m.id])
        for m in sorted(municipalities, key=lambda m: m.name)
    ]
    return result


def default_execution_date(today: date) -> date:
    """The next working day (Saturday and Sunday skipped): the bank needs the file first."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def pending_batch(cooperative_id: int) -> PayoutBatch | None:
    """The cooperative's batch that is open or exported, if any (there is at most one)."""
    query = select(PayoutBatch).where(
        PayoutBatch.cooperative_id == cooperative_id,
        PayoutBatch.status.in_(["open", "exported"]),
    )
    return db.session.scalar(query)


def batch_items(batch: PayoutBatch) -> tuple[list[PayoutItem], list[PayoutItem]]:
    """The batch's transfers and the payees it skipped."""
    paid = [item for item in batch.items if not item.skipped]
    return paid, [item for item in batch.items if item.skipped]
