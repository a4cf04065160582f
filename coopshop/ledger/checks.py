"""The ledger's invariants, checked over the whole database (``coopshop ledger check``).

The posting service keeps these true and the database refuses changes to entries and
postings; these checks find out whether something went around both (a restored backup, a
hand-written query, triggers dropped). Every check is set-based SQL: a handful of queries for
the whole ledger, never one per entry. Outer joins, because the foreign keys may be the very
thing that was bypassed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import String, and_, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from coopshop.cooperatives.models import Cooperative, Member, Municipality
from coopshop.extensions import db
from coopshop.ledger.balances import sum_cents
from coopshop.ledger.income import incomes_from_postings, stored_incomes
from coopshop.ledger.models import JournalEntry, LedgerAccount, OwnerType, PeriodLock, Posting


@dataclass(frozen=True)
class Violation:
    """One broken invariant: which rule, and a message a person can act on."""

    rule: str
    message: str

    def __str__(self) -> str:
        return self.message


def check_ledger() -> list[Violation]:
    """Every violation of every invariant, grouped by rule; empty if the ledger is sound."""
    return [violation for check in CHECKS for violation in check()]


def ledger_size() -> tuple[int, int]:
    """The number of journal entries and of postings."""
    entries = db.session.scalar(select(func.count()).select_from(JournalEntry))
    postings = db.session.scalar(select(func.count()).select_from(Posting))
    return entries or 0, postings or 0


def unbalanced_entries() -> Iterator[Violation]:
    """Entries whose postings do not sum to zero, or that have fewer than two postings."""
    count = func.count(Posting.id)
    total = sum_cents(Posting.amount_cents)
    query = (
        select(JournalEntry.reference, count, total)
        .outerjoin(Posting, Posting.entry_id == JournalEntry.id)
        .group_by(JournalEntry.id, JournalEntry.reference)
        .having(or_(count < 2, total != 0))
        .order_by(JournalEntry.id)
    )
    for reference, postings, cents in db.session.execute(query):
        if cents != 0:
            yield Violation(
                "balance",
                f"Entry {reference} does not balance: its postings sum to {cents:+d} cent(s).",
            )
        if postings < 2:
            yield Violation(
                "two_postings",
                f"Entry {reference} has {postings} posting(s); it needs two or more.",
            )


def zero_postings() -> Iterator[Violation]:
    """Postings of 0 cents (possible only if the CHECK constraint was dropped)."""
    query = (
        select(Posting.id, JournalEntry.reference)
        .outerjoin(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(Posting.amount_cents == 0)
        .order_by(Posting.id)
    )
    for posting_id, reference in db.session.execute(query):
        yield Violation("zero", f"Posting {posting_id} of entry {reference} is 0 cents.")


def orphans() -> Iterator[Violation]:
    """Postings without their entry, account or member, and reversals of missing entries."""
    reversed_entry = aliased(JournalEntry)
    queries = {
        "entry": select(Posting.id)
        .outerjoin(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(JournalEntry.id.is_(None)),
        "account": select(Posting.id)
        .outerjoin(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .where(LedgerAccount.id.is_(None)),
        "member": select(Posting.id)
        .outerjoin(Member, Posting.member_id == Member.id)
        .where(Posting.member_id.is_not(None), Member.id.is_(None)),
    }
    for missing, query in queries.items():
        for (posting_id,) in db.session.execute(query.order_by(Posting.id)):
            yield Violation(
                "orphan", f"Posting {posting_id} refers to a {missing} that does not exist."
            )
    query = (
        select(JournalEntry.reference)
        .outerjoin(reversed_entry, JournalEntry.reverses_id == reversed_entry.id)
        .where(JournalEntry.reverses_id.is_not(None), reversed_entry.id.is_(None))
    )
    for (reference,) in db.session.execute(query):
        yield Violation("orphan", f"Entry {reference} reverses an entry that does not exist.")


def duplicate_references() -> Iterator[Violation]:
    """References booked more than once (possible only if the unique index was dropped)."""
    query = (
        select(JournalEntry.reference, func.count())
        .group_by(JournalEntry.reference)
        .having(func.count() > 1)
        .order_by(JournalEntry.reference)
    )
    for reference, times in db.session.execute(query):
        yield Violation("reference", f"Reference {reference} was booked {times} times.")


def entries_in_closed_periods() -> Iterator[Violation]:
    """Entries created in a period of a cooperative after it was closed."""
    query = (
        select(JournalEntry.reference, JournalEntry.period)
        .join(
            PeriodLock,
            and_(
                PeriodLock.cooperative_id == JournalEntry.cooperative_id,
                PeriodLock.period == JournalEntry.period,
            ),
        )
        .where(JournalEntry.created_at > PeriodLock.locked_at)
        .order_by(JournalEntry.id)
    )
    for reference, period in db.session.execute(query):
        yield Violation(
            "closed_period", f"Entry {reference} was booked into {period} after it was closed."
        )


def inexact_reversals() -> Iterator[Violation]:
    """Reversals that are not the exact negation, posting for posting, of what they reverse."""
    reversal = aliased(JournalEntry)
    # Per account, member and leg: the amounts cancel out and both entries have as many postings.
    side = case((Posting.entry_id == reversal.id, 1), else_=-1)
    query = (
        select(reversal.reference)
        .join(
            Posting, or_(Posting.entry_id == reversal.id, Posting.entry_id == reversal.reverses_id)
        )
        .where(reversal.reverses_id.is_not(None))
        .group_by(
            reversal.id, reversal.reference, Posting.account_id, Posting.member_id, Posting.leg
        )
        .having(or_(func.sum(Posting.amount_cents) != 0, func.sum(side) != 0))
    )
    for reference in sorted(set(db.session.scalars(query))):
        yield Violation(
            "reversal", f"Reversal {reference} is not the exact negation of the entry it reverses."
        )


def ownerless_accounts() -> Iterator[Violation]:
    """Member, cooperative and municipality accounts whose owner does not exist."""
    owner = LedgerAccount.owner_id
    query = (
        select(LedgerAccount.code)
        .outerjoin(Member, and_(LedgerAccount.owner_type == OwnerType.MEMBER, Member.id == owner))
        .outerjoin(
            Cooperative,
            and_(LedgerAccount.owner_type == OwnerType.COOPERATIVE, Cooperative.id == owner),
        )
        .outerjoin(
            Municipality,
            and_(LedgerAccount.owner_type == OwnerType.MUNICIPALITY, Municipality.id == owner),
        )
        .where(LedgerAccount.owner_type != OwnerType.PLATFORM)
        .where(Member.id.is_(None), Cooperative.id.is_(None), Municipality.id.is_(None))
        .order_by(LedgerAccount.code)
    )
    for code in db.session.scalars(query):
        yield Violation("owner", f"Account {code} belongs to an owner that does not exist.")


def misdated_entries() -> Iterator[Violation]:
    """Entries whose period is not the month of their booking date."""
    # Both backends render a date as 'YYYY-MM-DD' text, so its first seven characters are the period.
    month = func.substr(cast(JournalEntry.booking_date, String), 1, 7)
    query = select(JournalEntry.reference).where(JournalEntry.period != month)
    for reference in db.session.scalars(query.order_by(JournalEntry.id)):
        yield Violation(
            "period", f"Entry {reference} is in a period other than its booking date's."
        )


def income_totals() -> Iterator[Violation]:
    """Members' income totals that differ from the sum of their member legs, or are missing.

    Two GROUP BY queries compared in Python (a row per member and period, not per posting):
    a FULL OUTER JOIN is not available on every SQLite this runs on.
    """
    booked = incomes_from_postings()
    stored = stored_incomes()
    for key in sorted(booked.keys() | stored.keys()):
        cooperative_id, period, member_id = key
        if key not in stored:
            yield Violation(
                "income_total",
                f"Member {member_id} (cooperative {cooperative_id}) has no income total for "
                f"{period}; the postings add up to {booked[key]} cent(s).",
            )
        elif stored[key] != booked.get(key, 0):
            yield Violation(
                "income_total",
                f"The income total of member {member_id} (cooperative {cooperative_id}) for "
                f"{period} is {stored[key]} cent(s); the postings add up to "
                f"{booked.get(key, 0)} cent(s).",
            )


CHECKS: tuple[Callable[[], Iterator[Violation]], ...] = (
    unbalanced_entries,
    zero_postings,
    orphans,
    duplicate_references,
    entries_in_closed_periods,
    inexact_reversals,
    ownerless_accounts,
    misdated_entries,
    income_totals,
)
