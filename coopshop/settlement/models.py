"""Issued settlement reports, their per-member lines, and payout batches.

A report is issued at a period close, one per municipality per settled period per cooperative.
Reports and lines are append-only (the migration installs triggers that refuse UPDATE and
DELETE): the PDF, CSV and XLSX are stored as issued, each with its SHA-256, and a correction is
a new version that names the one it replaces. Payout batches do change state (open, exported,
executed or cancelled); what they pay is fixed when they are created.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.extensions import db
from coopshop.models_base import created_at_column, utcnow

if TYPE_CHECKING:
    from coopshop.cooperatives.models import Cooperative, Municipality, SettlementRuleVersion

# The figures of a settlement, as (column prefix) names shared by reports, lines and the CSV.
FIGURES = ("member_income", "basis_income", "exemption", "countable", "offset", "withheld")


def _cents() -> Mapped[int]:
    return mapped_column(BigInteger)


class SettlementReport(db.Model):
    """One municipality's report of one settled period of one cooperative, as issued."""

    __tablename__ = "settlement_report"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "municipality_id", "period_end", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "period_start LIKE '____-__' AND period_end LIKE '____-__' "
            "AND period_start <= period_end",
            name="period_format",
        ),
        CheckConstraint(
            "(version = 1 AND replaces_id IS NULL) OR (version > 1 AND replaces_id IS NOT NULL)",
            name="version_matches_replaces",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    rule_version_id: Mapped[int] = mapped_column(
        ForeignKey("settlement_rule_version.id"), index=True
    )
    # 'YYYY-MM': the first and the last month settled (equal for a monthly municipality).
    period_start: Mapped[str] = mapped_column(String(7))
    period_end: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer, default=1)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("settlement_report.id"), unique=True)
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    member_count: Mapped[int] = mapped_column(Integer)
    member_income_cents: Mapped[int] = _cents()
    basis_income_cents: Mapped[int] = _cents()
    exemption_cents: Mapped[int] = _cents()
    countable_cents: Mapped[int] = _cents()
    offset_cents: Mapped[int] = _cents()
    withheld_cents: Mapped[int] = _cents()
    corrections_cents: Mapped[int] = _cents()
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    issued_by_name: Mapped[str] = mapped_column(String(160))
    # The files as issued, loaded only when downloaded.
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    csv: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    xlsx: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    csv_sha256: Mapped[str] = mapped_column(String(64))
    xlsx_sha256: Mapped[str] = mapped_column(String(64))

    cooperative: Mapped[Cooperative] = relationship()
    municipality: Mapped[Municipality] = relationship()
    rule_version: Mapped[SettlementRuleVersion] = relationship()
    replaces: Mapped[SettlementReport | None] = relationship(remote_side=[id])
    lines: Mapped[list[SettlementLine]] = relationship(
        back_populates="report", order_by="SettlementLine.position"
    )

    def __repr__(self) -> str:
        return f"<SettlementReport {self.municipality_id} {self.period_end} v{self.version}>"


class SettlementLine(db.Model):
    """One member's figures in a report, with the exemption months before and after."""

    __tablename__ = "settlement_line"
    __table_args__ = (
        # Also the index by report: its first column is the report.
        UniqueConstraint("report_id", "member_id"),
        CheckConstraint(
            "months_used_before >= 0 AND months_used_after >= months_used_before "
            "AND months_left >= 0 AND applicable_months >= 0",
            name="months_consistent",
        ),
        CheckConstraint("withheld_cents <= offset_cents", name="withheld_within_offset"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("settlement_report.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    # Snapshots as printed on the report.
    client_number: Mapped[str] = mapped_column(String(40))
    member_name: Mapped[str] = mapped_column(String(160))
    eligible: Mapped[bool] = mapped_column(Boolean)
    member_income_cents: Mapped[int] = _cents()
    basis_income_cents: Mapped[int] = _cents()
    exemption_cents: Mapped[int] = _cents()
    countable_cents: Mapped[int] = _cents()
    offset_cents: Mapped[int] = _cents()
    withheld_cents: Mapped[int] = _cents()
    # The part of member income that corrects earlier, closed periods (credit notes).
    corrections_cents: Mapped[int] = _cents()
    applicable_months: Mapped[int] = mapped_column(Integer)
    months_used_before: Mapped[int] = mapped_column(Integer)
    months_used_after: Mapped[int] = mapped_column(Integer)
    months_left: Mapped[int] = mapped_column(Integer)

    report: Mapped[SettlementReport] = relationship(back_populates="lines")


class PayoutStatus(StrEnum):
    OPEN = "open"
    EXPORTED = "exported"
    EXECUTED = "executed"
    CANCELLED = "cancelled"


class PayeeType(StrEnum):
    MEMBER = "member"
    MUNICIPALITY = "municipality"


class PayoutBatch(db.Model):
    """A SEPA credit transfer batch of one cooperative: members' pots and withheld offsets."""

    __tablename__ = "payout_batch"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'exported', 'executed', 'cancelled')", name="status_known"
        ),
        CheckConstraint("total_cents > 0 AND transfer_count > 0", name="pays_something"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=PayoutStatus.OPEN)
    message_id: Mapped[str] = mapped_column(String(35))
    execution_date: Mapped[date] = mapped_column(Date)
    debtor_name: Mapped[str] = mapped_column(String(160))
    debtor_iban: Mapped[str] = mapped_column(String(34))
    total_cents: Mapped[int] = _cents()
    transfer_count: Mapped[int] = mapped_column(Integer)
    xml: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    xml_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    executed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    cooperative: Mapped[Cooperative] = relationship()
    items: Mapped[list[PayoutItem]] = relationship(back_populates="batch", order_by="PayoutItem.id")

    @property
    def is_pending(self) -> bool:
        """Open or exported: it may still be executed or cancelled."""
        return self.status in (PayoutStatus.OPEN, PayoutStatus.EXPORTED)


class PayoutItem(db.Model):
    """One transfer of a batch, or a payee that was skipped (``skip_reason`` says why)."""

    __tablename__ = "payout_item"
    __table_args__ = (
        CheckConstraint("payee_type IN ('member', 'municipality')", name="payee_type_known"),
        CheckConstraint(
            "(payee_type = 'member' AND member_id IS NOT NULL AND municipality_id IS NULL) "
            "OR (payee_type = 'municipality' AND municipality_id IS NOT NULL "
            "AND member_id IS NULL)",
            name="payee_matches_type",
        ),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batch.id"), index=True)
    payee_type: Mapped[str] = mapped_column(String(12))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    name: Mapped[str] = mapped_column(String(160))
    iban: Mapped[str | None] = mapped_column(String(34))
    amount_cents: Mapped[int] = _cents()
    end_to_end_id: Mapped[str] = mapped_column(String(35))
    skip_reason: Mapped[str] = mapped_column(String(255), default="")

    batch: Mapped[PayoutBatch] = relationship(back_populates="items")

    @property
    def skipped(self) -> bool:
        return bool(self.skip_reason)
