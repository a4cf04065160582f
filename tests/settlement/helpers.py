"""Booking member income straight into the ledger, and closing periods, for settlement tests.

``book_income`` posts a balanced entry with a ``member`` leg of exactly the given cents, so a
test controls member income to the cent (DESIGN §4: member income is the sum of those legs).
"""

from __future__ import annotations

import io
import itertools
from datetime import date
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select

from coopshop.cooperatives.models import Cooperative, Member
from coopshop.extensions import db
from coopshop.ledger.accounts import PSP_CLEARING, member_payable, municipality_payable
from coopshop.ledger.models import EntryKind, JournalEntry, LedgerAccount, Leg, PeriodLock, Posting
from coopshop.ledger.services import Line, first_day_of, post_entry
from coopshop.settlement.close import close_period
from coopshop.settlement.models import (
    PayeeType,
    PayoutBatch,
    PayoutItem,
    PayoutStatus,
    SettlementLine,
    SettlementReport,
)
from coopshop.settlement.periods import last_day_of

_references = itertools.count(1)


def book_income(member: Member, cents: int, day: date, **links: Any) -> JournalEntry:
    """Book ``cents`` of member income (negative: a refund taking income back) and commit."""
    kind = EntryKind.SALE if cents > 0 else EntryKind.REFUND
    entry = post_entry(
        kind=kind,
        reference=f"test-income:{next(_references)}",
        booking_date=day,
        lines=[
            Line(PSP_CLEARING, cents, None, Leg.GROSS),
            Line(member_payable(member.id), -cents, member.id, Leg.MEMBER),
        ],
        cooperative_id=member.cooperative_id,
        **links,
    )
    db.session.commit()
    return entry


def mid_month(period: str) -> date:
    return first_day_of(period).replace(day=15)


def close(cooperative: Cooperative, period: str) -> list[SettlementReport]:
    """Close ``period`` from the command line's point of view (no user) and return the reports."""
    return close_period(cooperative.id, period, None).reports


def line_of(member: Member, period_end: str) -> SettlementLine:
    """The member's line on the current report that settles ``period_end``."""
    return db.session.scalars(
        select(SettlementLine)
        .join(SettlementLine.report)
        .where(SettlementLine.member_id == member.id, SettlementReport.period_end == period_end)
        .order_by(SettlementReport.version.desc())
    ).first()


def reports_of(cooperative: Cooperative) -> list[SettlementReport]:
    return list(
        db.session.scalars(
            select(SettlementReport)
            .where(SettlementReport.cooperative_id == cooperative.id)
            .order_by(SettlementReport.id)
        )
    )


def municipality_postings(cooperative: Cooperative, municipality_id: int, period: str) -> int:
    """What the cooperative's entries of ``period`` put on the municipality's payable (credit +)."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Posting.amount_cents), 0))
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(
            LedgerAccount.code == municipality_payable(municipality_id),
            JournalEntry.cooperative_id == cooperative.id,
            JournalEntry.period == period,
        )
    )
    return -int(total)


def settlement_state(cooperative_id: int) -> tuple[int, int, int, int]:
    """Locks, offset entries, reports and lines of a cooperative: all zero before a close."""
    count = func.count()
    return (
        db.session.scalar(
            select(count).select_from(PeriodLock).where(PeriodLock.cooperative_id == cooperative_id)
        ),
        db.session.scalar(
            select(count)
            .select_from(JournalEntry)
            .where(
                JournalEntry.cooperative_id == cooperative_id,
                JournalEntry.kind == EntryKind.OFFSET,
            )
        ),
        db.session.scalar(
            select(count)
            .select_from(SettlementReport)
            .where(SettlementReport.cooperative_id == cooperative_id)
        ),
        db.session.scalar(
            select(count)
            .select_from(SettlementLine)
            .join(SettlementReport)
            .where(SettlementReport.cooperative_id == cooperative_id)
        ),
    )


def pdf_text(content: bytes) -> str:
    """The text of every page of a PDF, joined, with runs of whitespace made single spaces."""
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def gen_report_and_batch(cooperative_id: int, period: str, member_id: int) -> tuple[int, int]:
    """Close ``period`` for the cooperative and add an open payout batch paying ``member_id``:
    something of each kind for the scoping tests to aim at. Returns (report id, batch id)."""
    reports = close_period(cooperative_id, period, None).reports
    cooperative = db.session.get_one(Cooperative, cooperative_id)
    member = db.session.get_one(Member, member_id)
    batch = PayoutBatch(
        cooperative_id=cooperative_id,
        status=PayoutStatus.OPEN,
        message_id=f"TEST-{cooperative_id}",
        execution_date=last_day_of(period),
        debtor_name=cooperative.name,
        debtor_iban=cooperative.iban,
        total_cents=100,
        transfer_count=1,
        xml=b"<Document/>",
        xml_sha256="0" * 64,
        items=[
            PayoutItem(
                payee_type=PayeeType.MEMBER,
                member_id=member.id,
                name=member.user.name,
                iban="NL91ABNA0417164300",
                amount_cents=100,
                end_to_end_id=f"TEST-{member.id}",
            )
        ],
    )
    db.session.add(batch)
    db.session.commit()
    return reports[0].id, batch.id
