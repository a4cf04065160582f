"""Invoices, credit notes, their lines and the numbering series.

An issued invoice is a legal document: the migration installs triggers that refuse UPDATE and
DELETE on ``invoice`` and ``invoice_line``, and every detail the document shows (seller, buyer,
prices, the split legs) is a snapshot taken at issue time. A credit note is a negative invoice:
its amounts and legs are stored negative, and it names the invoice (and each line) it corrects.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
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
from coopshop.money import LineSplit, VatRate

if TYPE_CHECKING:
    from coopshop.cooperatives.models import Cooperative


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


VAT_RATE_VALUES = ", ".join(f"'{rate.value}'" for rate in VatRate)


class InvoiceSeries(db.Model):
    """The counter of one cooperative's numbers in one calendar year.

    Invoices and credit notes share the series. The row is locked, incremented and released
    with the transaction that issues the document, so numbers are gapless (see numbering.py).
    """

    __tablename__ = "invoice_series"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "year"),
        CheckConstraint("last_number >= 0", name="last_number_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(db.Model):
    """An invoice or credit note with snapshots of the seller and buyer as they were at issue."""

    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "series_year", "sequence"),
        CheckConstraint("kind IN ('invoice', 'credit_note')", name="kind_known"),
        CheckConstraint(
            "(kind = 'invoice' AND corrects_invoice_id IS NULL AND gross_cents >= 0) "
            "OR (kind = 'credit_note' AND corrects_invoice_id IS NOT NULL AND gross_cents < 0)",
            name="sign_matches_kind",
        ),
        CheckConstraint("ex_vat_cents = gross_cents - vat_cents", name="totals_add_up"),
        CheckConstraint("levy_bp BETWEEN 0 AND 10000", name="levy_bp_range"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    series_year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    corrects_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    credit_reason: Mapped[str] = mapped_column(Text, default="")
    # The order's foreign key comes with the orders feature.
    order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    issue_date: Mapped[date] = mapped_column(Date)
    delivery_date: Mapped[date] = mapped_column(Date)

    seller_name: Mapped[str] = mapped_column(String(160))
    seller_street: Mapped[str] = mapped_column(String(160))
    seller_postcode: Mapped[str] = mapped_column(String(7))
    seller_city: Mapped[str] = mapped_column(String(80))
    seller_kvk_number: Mapped[str] = mapped_column(String(8))
    seller_vat_id: Mapped[str] = mapped_column(String(20))
    seller_iban: Mapped[str] = mapped_column(String(34))
    seller_email: Mapped[str] = mapped_column(String(254))

    # The account that may download the PDF; empty for a guest checkout.
    buyer_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    buyer_name: Mapped[str] = mapped_column(String(160))
    buyer_company_name: Mapped[str | None] = mapped_column(String(160))
    buyer_street: Mapped[str | None] = mapped_column(String(160))
    buyer_postcode: Mapped[str | None] = mapped_column(String(10))
    buyer_city: Mapped[str | None] = mapped_column(String(80))
    buyer_kvk_number: Mapped[str | None] = mapped_column(String(8))
    buyer_vat_id: Mapped[str | None] = mapped_column(String(20))
    buyer_email: Mapped[str] = mapped_column(String(254))
    buyer_purchase_order_reference: Mapped[str | None] = mapped_column(String(80))

    gross_cents: Mapped[int] = mapped_column(BigInteger)
    vat_cents: Mapped[int] = mapped_column(BigInteger)
    ex_vat_cents: Mapped[int] = mapped_column(BigInteger)
    levy_bp: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()

    cooperative: Mapped[Cooperative] = relationship()
    corrects: Mapped[Invoice | None] = relationship(remote_side=[id])
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", lazy="selectin"
    )

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    def __repr__(self) -> str:
        return f"<Invoice {self.number}>"


class InvoiceLine(db.Model):
    """One line: what was delivered, by which member, at what price, and its split legs.

    The legs (gross = vat + levy + member, ex_vat = gross - vat) are those of
    :func:`coopshop.money.split_invoice` for an invoice and the negated
    :func:`coopshop.money.split_refund` for a credit note; the ledger books exactly these.
    """

    __tablename__ = "invoice_line"
    __table_args__ = (
        UniqueConstraint("invoice_id", "position"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint(f"vat_rate IN ({VAT_RATE_VALUES})", name="vat_rate_known"),
        CheckConstraint(
            "gross_cents = quantity * unit_gross_cents", name="gross_is_quantity_times_unit"
        ),
        CheckConstraint("ex_vat_cents = gross_cents - vat_cents", name="ex_vat_adds_up"),
        CheckConstraint("member_cents = ex_vat_cents - levy_cents", name="member_adds_up"),
        CheckConstraint(
            "(corrects_line_id IS NULL AND vat_cents >= 0 AND levy_cents >= 0 "
            "AND member_cents >= 0) "
            "OR (corrects_line_id IS NOT NULL AND gross_cents < 0 AND vat_cents <= 0 "
            "AND levy_cents <= 0 AND member_cents <= 0)",
            name="legs_sign",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    provider_name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_gross_cents: Mapped[int] = mapped_column(BigInteger)
    vat_rate: Mapped[str] = mapped_column(String(6))
    corrects_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_line.id"), index=True)

    gross_cents: Mapped[int] = mapped_column(BigInteger)
    vat_cents: Mapped[int] = mapped_column(BigInteger)
    ex_vat_cents: Mapped[int] = mapped_column(BigInteger)
    levy_cents: Mapped[int] = mapped_column(BigInteger)
    member_cents: Mapped[int] = mapped_column(BigInteger)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    corrects_line: Mapped[InvoiceLine | None] = relationship(remote_side=[id])

    @property
    def split(self) -> LineSplit:
        """The stored legs as the money core's value (which checks that they add up)."""
        return LineSplit(
            gross=self.gross_cents,
            vat=self.vat_cents,
            ex_vat=self.ex_vat_cents,
            levy=self.levy_cents,
            member=self.member_cents,
        )

    @property
    def rate(self) -> VatRate:
        return VatRate.parse(self.vat_rate)

    def __repr__(self) -> str:
        return f"<InvoiceLine {self.invoice_id}:{self.position} {self.gross_cents:+d}>"
