"""Cooperatives, levy versions, municipalities, settlement rule versions and members."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.extensions import db
from coopshop.models_base import created_at_column

if TYPE_CHECKING:
    from coopshop.accounts.models import User


class Cooperative(db.Model):
    """A sociale coöperatie: the legal seller that invoices on behalf of its members."""

    __tablename__ = "cooperative"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    street: Mapped[str] = mapped_column(String(160))
    postcode: Mapped[str] = mapped_column(String(7))
    city: Mapped[str] = mapped_column(String(80))
    kvk_number: Mapped[str] = mapped_column(String(8))
    vat_id: Mapped[str] = mapped_column(String(20))
    iban: Mapped[str] = mapped_column(String(34))
    invoice_prefix: Mapped[str] = mapped_column(String(10), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    description: Mapped[str] = mapped_column(Text, default="")
    # Members are paid out once their settled pot reaches this amount (settlement/payouts.py).
    payout_threshold_cents: Mapped[int] = mapped_column(
        BigInteger, default=2500, server_default="2500"
    )
    created_at: Mapped[datetime] = created_at_column()

    levy_rates: Mapped[list[LevyRate]] = relationship(
        back_populates="cooperative", order_by="LevyRate.effective_from"
    )
    members: Mapped[list[Member]] = relationship(back_populates="cooperative")

    def levy_bp_on(self, day: date) -> int | None:
        """The support-fund levy in force on ``day`` (versions never rewrite history)."""
        # max() rather than the last item: versions added in this session are not yet sorted.
        in_force = [rate for rate in self.levy_rates if rate.effective_from <= day]
        return max(in_force, key=lambda rate: rate.effective_from).levy_bp if in_force else None


class LevyRate(db.Model):
    """One version of a cooperative's support-fund levy, in basis points of turnover ex VAT."""

    __tablename__ = "levy_rate"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "effective_from"),
        CheckConstraint("levy_bp >= 0 AND levy_bp <= 10000", name="levy_bp_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    levy_bp: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = created_at_column()

    cooperative: Mapped[Cooperative] = relationship(back_populates="levy_rates")


class Municipality(db.Model):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # CBS municipality code such as GM0363 (Amsterdam).
    cbs_code: Mapped[str] = mapped_column(String(6), unique=True)
    iban: Mapped[str | None] = mapped_column(String(34))
    created_at: Mapped[datetime] = created_at_column()

    rule_versions: Mapped[list[SettlementRuleVersion]] = relationship(
        back_populates="municipality", order_by="SettlementRuleVersion.effective_from"
    )

    def rule_on(self, day: date) -> SettlementRuleVersion | None:
        """The version in force on ``day``; a period is settled under the one on its first day."""
        in_force = [rule for rule in self.rule_versions if rule.effective_from <= day]
        return max(in_force, key=lambda rule: rule.effective_from) if in_force else None


class SettlementPeriod(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


class SettlementBasis(StrEnum):
    GROSS = "gross"
    NET = "net"


class SettlementRuleVersion(db.Model):
    """How a municipality offsets a member's income against the benefit, from a date on."""

    __tablename__ = "settlement_rule_version"
    __table_args__ = (
        UniqueConstraint("municipality_id", "effective_from"),
        CheckConstraint("period IN ('month', 'quarter')", name="period_known"),
        CheckConstraint("basis IN ('gross', 'net')", name="basis_known"),
        CheckConstraint(
            "tax_reserve_bp BETWEEN 0 AND 10000 AND exemption_bp BETWEEN 0 AND 10000 "
            "AND offset_bp BETWEEN 0 AND 10000",
            name="basis_points_range",
        ),
        CheckConstraint(
            "exemption_cap_cents >= 0 AND exemption_max_months >= 0", name="exemption_non_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(10))
    basis: Mapped[str] = mapped_column(String(10))
    tax_reserve_bp: Mapped[int] = mapped_column(Integer, default=0)
    exemption_bp: Mapped[int] = mapped_column(Integer)
    exemption_cap_cents: Mapped[int] = mapped_column(BigInteger)
    exemption_max_months: Mapped[int] = mapped_column(Integer)
    offset_bp: Mapped[int] = mapped_column(Integer)
    withhold: Mapped[bool] = mapped_column(Boolean)
    source_note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = created_at_column()

    municipality: Mapped[Municipality] = relationship(back_populates="rule_versions")


class MemberStatus(StrEnum):
    TRIAL = "trial"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LEFT = "left"


class Member(db.Model):
    """A member entrepreneur: sells through the cooperative while keeping (part of) a benefit.

    The municipality knows the member by its own client number; a BSN is never stored.
    """

    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("status IN ('trial', 'active', 'suspended', 'left')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    client_number: Mapped[str] = mapped_column(String(40))
    trade_name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    iban: Mapped[str | None] = mapped_column(String(34))
    status: Mapped[str] = mapped_column(String(12), default=MemberStatus.TRIAL)
    exemption_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    exemption_end: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()

    user: Mapped[User] = relationship(back_populates="member")
    cooperative: Mapped[Cooperative] = relationship(back_populates="members")
    municipality: Mapped[Municipality] = relationship()

    def eligible_on(self, day: date) -> bool:
        """Eligibility for the earnings exemption, which may end on a date the municipality set."""
        if not self.exemption_eligible:
            return False
        return self.exemption_end is None or day <= self.exemption_end
