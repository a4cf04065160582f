"""Ledger accounts, journal entries, their postings, and period locks.

Sign convention: a posting's ``amount_cents`` is positive for a debit and negative for a
credit, so every entry's postings sum to zero. Money owed *to* someone (a member's pot, VAT to
remit, the support fund) is therefore a negative balance; the balance queries turn it around
for display. Journal entries and postings are append-only: the migration installs triggers that
refuse UPDATE and DELETE, and corrections are new entries that reverse old ones.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.extensions import db
from coopshop.models_base import created_at_column, utcnow


class OwnerType(StrEnum):
    PLATFORM = "platform"
    COOPERATIVE = "cooperative"
    MEMBER = "member"
    MUNICIPALITY = "municipality"


class EntryKind(StrEnum):
    """The kinds of entry the features book; the column accepts others for later features."""

    SALE = "sale"
    REFUND = "refund"
    OFFSET = "offset"
    PAYOUT = "payout"
    FEE = "fee"
    FUND_COST = "fund_cost"
    REVERSAL = "reversal"
    ADJUSTMENT = "adjustment"


class Leg(StrEnum):
    """What part of a sale or settlement a posting is; statements are read from these tags."""

    GROSS = "gross"
    VAT = "vat"
    LEVY = "levy"
    MEMBER = "member"
    OFFSET = "offset"
    PAYOUT = "payout"
    FEE = "fee"


class LedgerAccount(db.Model):
    """An account of the chart, known by its ``code`` (``coop:3:vat_payable``, ...)."""

    __tablename__ = "ledger_account"
    __table_args__ = (
        CheckConstraint(
            "owner_type IN ('platform', 'cooperative', 'member', 'municipality')",
            name="owner_type_known",
        ),
        CheckConstraint(
            "(owner_type = 'platform' AND owner_id IS NULL) "
            "OR (owner_type <> 'platform' AND owner_id IS NOT NULL)",
            name="owner_id_matches_type",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    owner_type: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    # The cooperative whose books the account belongs to (its own and its members' accounts).
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperative.id"), index=True)
    created_at: Mapped[datetime] = created_at_column()

    def __repr__(self) -> str:
        return f"<LedgerAccount {self.code}>"


class JournalEntry(db.Model):
    """One balanced booking; ``reference`` makes posting it twice impossible."""

    __tablename__ = "journal_entry"
    __table_args__ = (
        CheckConstraint("period LIKE '____-__'", name="period_format"),
        # A period's entries of one kind (the refunds a settlement labels as corrections).
        Index("ix_journal_entry_cooperative_id_period_kind", "cooperative_id", "period", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    booking_date: Mapped[date] = mapped_column(Date)
    # 'YYYY-MM' of booking_date, stored so that locks and statements group on a plain column.
    period: Mapped[str] = mapped_column(String(7))
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperative.id"))
    description: Mapped[str] = mapped_column(String(255), default="")
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"), unique=True)
    # Links to the documents behind the entry; their foreign keys come with those features.
    invoice_id: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(Integer)
    settlement_id: Mapped[int | None] = mapped_column(Integer)
    payout_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()

    postings: Mapped[list[Posting]] = relationship(
        back_populates="entry", order_by="Posting.id", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<JournalEntry {self.reference}>"


class Posting(db.Model):
    """One leg of an entry: signed cents on an account (debit positive, credit negative).

    ``member_id`` and ``leg`` attribute the leg to the member who earned it, so that the VAT
    and levy parts of a sale can be reported per member although they sit on coop accounts.
    """

    __tablename__ = "posting"
    __table_args__ = (
        CheckConstraint("amount_cents <> 0", name="amount_not_zero"),
        # Balances group the postings of an account; the entry id makes the index covering.
        Index("ix_posting_account_id_entry_id", "account_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    leg: Mapped[str | None] = mapped_column(String(10))

    entry: Mapped[JournalEntry] = relationship(back_populates="postings")
    account: Mapped[LedgerAccount] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Posting {self.account_id} {self.amount_cents:+d}>"


class MemberPeriodIncome(db.Model):
    """A member's income in one period of their cooperative: minus the sum of their ``member``
    legs in the entries of that period, kept up to date by the posting service.

    A total derived from the postings, not a second record of them: the posting service adds
    every member leg it books to it in the same transaction, and ``coopshop ledger check``
    compares it with the postings. The period close reads a thousand of these rows instead of
    summing a hundred thousand postings.
    """

    __tablename__ = "member_period_income"

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    income_cents: Mapped[int] = mapped_column(BigInteger)


class PeriodLock(db.Model):
    """A closed period of a cooperative: no new entry may be booked into it."""

    __tablename__ = "ledger_period_lock"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "period"),
        CheckConstraint("period LIKE '____-__'", name="period_format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"))
    period: Mapped[str] = mapped_column(String(7))
    locked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
