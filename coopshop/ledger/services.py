"""Posting to the ledger: the one function every feature books through, reversals, period locks.

Everything here adds and flushes only; the calling service commits, so an order, its payment
and its postings succeed or fail together. Error messages are plain Dutch, not gettext: the
ledger also runs outside requests (CLI, workers), where no locale can be selected.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import lazyload

from coopshop.bulk_insert import insert_rows
from coopshop.bulk_returning import insert_rows_returning
from coopshop.cooperatives.models import Cooperative
from coopshop.errors import Conflict, DomainError
from coopshop.extensions import db
from coopshop.ledger.accounts import get_account_ids
from coopshop.ledger.income import IncomeKey, add_member_legs, count_member_legs
from coopshop.ledger.models import EntryKind, JournalEntry, LedgerAccount, Leg, PeriodLock, Posting
from coopshop.models_base import utcnow

LINK_COLUMNS = ("invoice_id", "order_id", "settlement_id", "payout_id")
_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
PostingRow = tuple[int, int, int | None, str | None]  # account_id, amount_cents, member_id, leg


class Line(NamedTuple):
    """One leg to post: an account (or its code) and signed cents, debit positive.

    ``member_id`` and ``leg`` attribute the leg to a member and a part of a sale or settlement
    (see :class:`coopshop.ledger.models.Leg`). A plain ``(account, cents)`` tuple is a Line too.
    """

    account: LedgerAccount | str
    amount_cents: int
    member_id: int | None = None
    leg: str | None = None


class LedgerError(DomainError):
    """The ledger refused an entry because of a bug in the code that built it; nothing was booked."""

    status_code = 500


class TooFewPostings(LedgerError):
    """An entry needs at least two postings."""


class ZeroPosting(LedgerError):
    """A posting of 0 cents means nothing and is refused."""


class UnbalancedEntry(LedgerError):
    """An entry's postings do not sum to zero."""


class PeriodClosed(Conflict):
    """The cooperative has closed the period of the booking date."""


class ReferenceConflict(Conflict):
    """The reference was booked before with different postings."""


class AlreadyReversed(Conflict):
    """Another entry already reverses this one."""


def period_of(day: date) -> str:
    """The period 'YYYY-MM' that a booking date falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def first_day_of(period: str) -> date:
    """The first day of a period 'YYYY-MM'; raises ValueError for anything else."""
    year, month = _split_period(period)
    return date(year, month, 1)


def following_period(period: str) -> str:
    """The period after ``period``: '2026-12' is followed by '2027-01'."""
    year, month = _split_period(period)
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def _split_period(period: str) -> tuple[int, int]:
    if not _PERIOD.fullmatch(period):
        raise ValueError(f"a period is 'YYYY-MM', got {period!r}")
    year, month = period.split("-")
    return int(year), int(month)


@dataclass(frozen=True)
class NewEntry:
    """One entry for :func:`post_entries`: the arguments of :func:`post_entry` as a value."""

    kind: str
    reference: str
    booking_date: date
    lines: Sequence[Line | tuple[Any, ...]]
    cooperative_id: int | None = None
    description: str = ""
    reverses_id: int | None = None
    links: dict[str, int | None] = field(default_factory=dict)


@dataclass
class PreparedBooking:
    """What :func:`prepare_booking` checked ahead of :func:`post_entries`: account ids by code,
    and the (cooperative, period) pairs found open, with the cooperatives key-share locked."""

    account_ids: dict[str, int] = field(default_factory=dict)
    open_periods: set[tuple[int, str]] = field(default_factory=set)


def post_entry(
    *,
    kind: str,
    reference: str,
    booking_date: date,
    lines: Sequence[Line | tuple[Any, ...]],
    cooperative_id: int | None = None,
    description: str = "",
    reverses_id: int | None = None,
    **links: int | None,
) -> JournalEntry:
    """Book a balanced entry and return it; ``links`` are ``invoice_id``, ``order_id``, ...

    Raises TooFewPostings, ZeroPosting or UnbalancedEntry for malformed lines, UnknownAccount
    for an unknown account code, and PeriodClosed if the cooperative closed the period of
    ``booking_date``. A reference that was booked before returns the existing entry unchanged
    when kind, date, cooperative, reversed entry and postings are the same (so retries are
    harmless), and raises ReferenceConflict otherwise. Adds and flushes; the caller commits.
    """
    entry = NewEntry(
        kind, reference, booking_date, lines, cooperative_id, description, reverses_id, links
    )
    [entry_id] = post_entries([entry])
    # The postings load when first read: an offset entry has one per member.
    return db.session.get_one(JournalEntry, entry_id, options=[lazyload(JournalEntry.postings)])


def prepare_booking(
    account_codes: Iterable[str], cooperative_periods: Iterable[tuple[int, str]]
) -> PreparedBooking:
    """Load the accounts (creating missing ones) and check the periods of entries that are
    about to be posted, before the caller takes a lock it wants to hold briefly (an invoice
    number). Locks the cooperatives as posting does; a closed period is not open in the result
    (:func:`post_entries` then raises PeriodClosed for it). Adds and flushes only."""
    return PreparedBooking(get_account_ids(account_codes), _open_periods(set(cooperative_periods)))


def post_entries(entries: Sequence[NewEntry], prepared: PreparedBooking | None = None) -> list[int]:
    """Book several balanced entries at once and return their ids, in the order given.

    Each entry behaves exactly as :func:`post_entry` (same checks, errors and idempotence;
    a reference given twice is booked once), but all of them take one query for their
    accounts, one for the cooperatives' locks and periods, one INSERT for the entries, one for
    all postings and one adding their member legs to the members' income totals
    (:mod:`coopshop.ledger.income`); with ``prepared`` (from :func:`prepare_booking`) the
    accounts and periods it covers are not read again. Nothing is read back. Adds and
    flushes; the caller commits.
    """
    checked = [_checked_entry(entry) for entry in entries]
    prepared = prepared or PreparedBooking()
    codes = {leg.account for _, legs in checked for leg in legs if isinstance(leg.account, str)}
    account_ids = prepared.account_ids
    if not codes <= account_ids.keys():
        account_ids = {**account_ids, **get_account_ids(codes - account_ids.keys())}
    rows = [_posting_rows(legs, account_ids) for _, legs in checked]
    wanted = {
        (entry.cooperative_id, period_of(entry.booking_date))
        for entry in entries
        if entry.cooperative_id is not None
    }
    open_periods = prepared.open_periods
    if not wanted <= open_periods:
        open_periods = open_periods | _open_periods(wanted - open_periods)
    ids: dict[int, int] = {}
    new: list[int] = []
    for index, entry in enumerate(entries):
        period = period_of(entry.booking_date)
        if entry.cooperative_id is None or (entry.cooperative_id, period) in open_periods:
            new.append(index)
            continue
        # A closed period: only a repeat of an entry booked before is still fine.
        existing = _entry_with_reference(entry.reference)
        if existing is None:
            raise PeriodClosed(f"De periode {period} is afgesloten. Boek in een open periode.")
        ids[index] = _same_or_conflict(existing, _header(entry), rows[index]).id
    # The same reference twice in one call: the second is a retry of the first.
    first_of: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for index in new:
        first = first_of.setdefault(entries[index].reference, index)
        if first != index:
            repeats[index] = first
    new = [index for index in new if index not in repeats]
    inserted = _insert_entries([entries[index] for index in new])
    postings = []
    incomes: dict[IncomeKey, int] = defaultdict(int)
    for index in new:
        entry = entries[index]
        entry_id = inserted.get(entry.reference)
        if entry_id is None:
            # Booked before (a retry), or by a concurrent transaction just now.
            existing = _entry_with_reference(entry.reference)
            assert existing is not None
            ids[index] = _same_or_conflict(existing, _header(entry), rows[index]).id
            continue
        ids[index] = entry_id
        postings += [
            dict(zip(POSTING_COLUMNS, (entry_id, *row), strict=True)) for row in rows[index]
        ]
        count_member_legs(incomes, entry.cooperative_id, period_of(entry.booking_date), rows[index])
    for index, first in repeats.items():
        booked = (_header(entries[first]), rows[first])
        _require_same(entries[index].reference, booked, (_header(entries[index]), rows[index]))
        ids[index] = ids[first]
    # One statement for all postings, however many (every row has every column).
    insert_rows(Posting.__table__, postings)
    add_member_legs(incomes)
    return [ids[index] for index in range(len(entries))]


POSTING_COLUMNS = ("entry_id", "account_id", "amount_cents", "member_id", "leg")


def _header(entry: NewEntry) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "booking_date": entry.booking_date,
        "cooperative_id": entry.cooperative_id,
        "reverses_id": entry.reverses_id,
    }


def _checked_entry(entry: NewEntry) -> tuple[NewEntry, list[Line]]:
    if set(entry.links) - set(LINK_COLUMNS):
        unknown = sorted(set(entry.links) - set(LINK_COLUMNS))
        raise TypeError(f"post_entry() got unknown links {unknown}")
    return entry, _checked_lines(entry.reference, entry.lines)


def _checked_lines(reference: str, lines: Sequence[Line | tuple[Any, ...]]) -> list[Line]:
    """Return the lines as Lines; raise if an entry made of them could not be booked."""
    legs = [Line(*line) for line in lines]
    if len(legs) < 2:
        raise TooFewPostings(f"entry {reference} needs at least two postings, got {len(legs)}")
    for leg in legs:
        if isinstance(leg.amount_cents, bool) or not isinstance(leg.amount_cents, int):
            raise TypeError(f"amounts are int cents, got {leg.amount_cents!r} in {reference}")
        if leg.amount_cents == 0:
            raise ZeroPosting(f"entry {reference} has a posting of 0 cents on {leg.account}")
    total = sum(leg.amount_cents for leg in legs)
    if total != 0:
        raise UnbalancedEntry(f"entry {reference} does not balance: its postings sum to {total}")
    # Leg() refuses an unknown tag, which would silently drop out of every statement.
    return [leg._replace(leg=Leg(leg.leg).value) if leg.leg else leg for leg in legs]


def _posting_rows(legs: list[Line], account_ids: dict[str, int]) -> list[PostingRow]:
    """The posting of each line as a row (account id, cents, member, leg)."""
    return [
        (
            leg.account.id if isinstance(leg.account, LedgerAccount) else account_ids[leg.account],
            leg.amount_cents,
            leg.member_id,
            leg.leg,
        )
        for leg in legs
    ]


def _insert_entries(entries: Sequence[NewEntry]) -> dict[str, int]:
    """Insert the entries; return the new ids by reference (a reference that exists already is
    left out).

    One INSERT ... ON CONFLICT DO NOTHING rather than the ORM: a concurrent booking of the same
    reference then makes this wait and find the row, instead of failing the whole transaction.
    """
    if not entries:
        return {}
    table = JournalEntry.__table__
    created = utcnow()
    values = [
        {column: None for column in LINK_COLUMNS}
        | dict(entry.links)
        | _header(entry)
        | {
            "reference": entry.reference,
            "description": entry.description,
            "period": period_of(entry.booking_date),
            "created_at": created,
        }
        for entry in entries
    ]
    return dict(
        insert_rows_returning(table, values, ("reference", "id"), skip_conflicts_on="reference")
    )


def _entry_with_reference(reference: str) -> JournalEntry | None:
    return db.session.scalar(select(JournalEntry).filter_by(reference=reference))


def _same_or_conflict(
    entry: JournalEntry, header: dict[str, Any], rows: list[PostingRow]
) -> JournalEntry:
    """Return ``entry`` if it is what was asked for again; raise ReferenceConflict if not."""
    booked = [(p.account_id, p.amount_cents, p.member_id, p.leg) for p in entry.postings]
    booked_header = {column: getattr(entry, column) for column in header}
    _require_same(entry.reference, (booked_header, booked), (header, rows))
    return entry


def _require_same(
    reference: str,
    booked: tuple[dict[str, Any], list[PostingRow]],
    asked: tuple[dict[str, Any], list[PostingRow]],
) -> None:
    """Raise ReferenceConflict unless ``asked`` (header, posting rows) is ``booked`` again:
    the same header and the same postings in any order."""
    if booked[0] != asked[0] or Counter(booked[1]) != Counter(asked[1]):
        raise ReferenceConflict(f"Boeking {reference} bestaat al met een andere inhoud.")


def _open_periods(wanted: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of the (cooperative, period) pairs are open; locks those cooperatives in one query.

    The lock is shared with other postings and exclusive against lock_period, so a period
    cannot close between this check and the insert (PostgreSQL; SQLite has a single writer).
    The cooperatives are locked in the order of their ids, as everywhere.
    """
    if not wanted:
        return set()
    cooperative = Cooperative.__table__
    locks = PeriodLock.__table__
    cooperative_ids = sorted({cooperative_id for cooperative_id, _ in wanted})
    periods = sorted({period for _, period in wanted})
    query = (
        select(cooperative.c.id, locks.c.period)
        .outerjoin(
            locks,
            (locks.c.cooperative_id == cooperative.c.id)
            & locks.c.period.in_(bindparam("periods", expanding=True)),
        )
        .where(cooperative.c.id.in_(bindparam("cooperatives", expanding=True)))
        .order_by(cooperative.c.id)
        .with_for_update(read=True, key_share=True, of=cooperative)
    )
    found = db.session.execute(query, {"periods": periods, "cooperatives": cooperative_ids})
    closed = {(cooperative_id, period) for cooperative_id, period in found if period is not None}
    return wanted - closed


def _lock_cooperative(cooperative_id: int, *, exclusive: bool) -> None:
    query = select(Cooperative.id).where(Cooperative.id == cooperative_id)
    if exclusive:
        query = query.with_for_update()
    else:
        query = query.with_for_update(read=True, key_share=True)
    db.session.execute(query)


def reverse_entry(
    entry: JournalEntry, *, reference: str, booking_date: date, kind: str = EntryKind.REVERSAL
) -> JournalEntry:
    """Book the exact negation of ``entry`` (same accounts, members and legs) on ``booking_date``.

    Raises AlreadyReversed if another entry already reverses it, PeriodClosed if the period of
    ``booking_date`` is closed. Repeating the call with the same reference returns the reversal
    booked before. Adds and flushes; the caller commits.
    """
    earlier = db.session.scalar(
        select(JournalEntry.reference).where(JournalEntry.reverses_id == entry.id)
    )
    if earlier is not None and earlier != reference:
        raise AlreadyReversed(f"Boeking {entry.reference} is al tegengeboekt.")
    return post_entry(
        kind=kind,
        reference=reference,
        booking_date=booking_date,
        lines=[Line(p.account, -p.amount_cents, p.member_id, p.leg) for p in entry.postings],
        cooperative_id=entry.cooperative_id,
        description=f"Tegenboeking van {entry.reference}",
        reverses_id=entry.id,
        **{column: getattr(entry, column) for column in LINK_COLUMNS},
    )


def is_period_locked(cooperative_id: int, period: str) -> bool:
    """Whether the cooperative has closed ``period`` ('YYYY-MM')."""
    return (
        db.session.scalar(
            select(PeriodLock.id).where(
                PeriodLock.cooperative_id == cooperative_id, PeriodLock.period == period
            )
        )
        is not None
    )


def lock_period(cooperative_id: int, period: str, user_id: int | None) -> PeriodLock:
    """Close ``period`` for the cooperative, so that no entry can be booked into it any more.

    Raises PeriodClosed if it is closed already and ValueError for a malformed period.
    Adds and flushes; the caller commits.
    """
    _split_period(period)
    _lock_cooperative(cooperative_id, exclusive=True)
    if is_period_locked(cooperative_id, period):
        raise PeriodClosed(f"De periode {period} is al afgesloten.")
    lock = PeriodLock(cooperative_id=cooperative_id, period=period, locked_by_id=user_id)
    db.session.add(lock)
    db.session.flush()
    return lock


def open_booking_date(cooperative_id: int | None, day: date) -> date:
    """``day`` if the cooperative has not closed its period, else the first day of the next
    open period: a late correction (a credit note dated in a closed month) books there.

    Platform entries (no cooperative) have no closed periods.
    """
    if cooperative_id is None:
        return day
    period = next_open_period(cooperative_id, period_of(day))
    return day if period == period_of(day) else first_day_of(period)


def next_open_period(cooperative_id: int, from_period: str) -> str:
    """The first period from ``from_period`` on that the cooperative has not closed."""
    _split_period(from_period)
    closed = set(
        db.session.scalars(
            select(PeriodLock.period).where(
                PeriodLock.cooperative_id == cooperative_id, PeriodLock.period >= from_period
            )
        )
    )
    period = from_period
    while period in closed:
        period = following_period(period)
    return period
