"""Balances and statements, all derived from postings with one GROUP BY query each.

Postings are signed debit-positive, so what the cooperative owes (a member's pot, VAT, the
support fund) sums to a negative number. The functions here that report such amounts to
people turn the sign around and say so in their docstrings; the raw balances keep the sign.
Member figures are read from the ``leg`` and ``member_id`` tags of the postings, not from the
entry kinds, so reversals and refunds count with their own sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, and_, case, cast, func, or_, select

from coopshop.extensions import db
from coopshop.ledger.accounts import member_payable, support_fund
from coopshop.ledger.models import EntryKind, JournalEntry, LedgerAccount, Leg, OwnerType, Posting


@dataclass(frozen=True)
class AccountBalance:
    code: str
    owner_type: str
    owner_id: int | None
    kind: str
    balance_cents: int  # debit positive


@dataclass(frozen=True)
class OwnerBalance:
    owner_type: str
    owner_id: int | None
    balance_cents: int  # debit positive


@dataclass(frozen=True)
class MonthRow:
    """A member's month: turnover ex VAT, the levy on it, offset, payouts, and the pot after.

    All positive in the usual direction: turnover and levy earned, offset withheld, paid out,
    and the pot as what the cooperative owes the member.
    """

    period: str
    turnover_ex_vat: int
    levy: int
    offset_withheld: int
    paid_out: int
    pot_balance_end: int

    @property
    def member_income(self) -> int:
        """Turnover ex VAT minus the levy: the income the municipality settles on."""
        return self.turnover_ex_vat - self.levy


@dataclass(frozen=True)
class MemberFigures:
    """A member's totals over all time, signed as in :class:`MonthRow`."""

    member_id: int
    turnover_ex_vat: int
    levy: int
    offset_withheld: int
    paid_out: int
    pot_balance: int


@dataclass(frozen=True)
class FundMonthRow:
    """A month of a support fund: levy in (net of refunds), costs out, other, balance after."""

    period: str
    levy_in: int
    costs_out: int
    other: int
    balance_end: int


def sum_cents(amount: Any, condition: Any = None) -> ColumnElement[int]:
    """SUM(amount) over the rows that meet ``condition``, as integer cents on every backend."""
    summed = amount if condition is None else case((condition, amount), else_=0)
    # PostgreSQL sums bigint into numeric; cast back so Python gets an int, not a Decimal.
    return cast(func.coalesce(func.sum(summed), 0), BigInteger)


def account_balance(account: LedgerAccount | str) -> int:
    """The sum of the account's postings (debit positive); 0 for an account never used."""
    code = account.code if isinstance(account, LedgerAccount) else account
    query = (
        select(sum_cents(Posting.amount_cents))
        .join(LedgerAccount)
        .where(LedgerAccount.code == code)
    )
    return db.session.scalar(query) or 0


def member_pot(member_id: int) -> int:
    """What the cooperative owes the member: minus the balance of the member's payable."""
    return -account_balance(member_payable(member_id))


def balances_by_account(cooperative_id: int | None = None) -> list[AccountBalance]:
    """Every used account's balance, by code; with a cooperative, only its entries count."""
    columns = (
        LedgerAccount.code,
        LedgerAccount.owner_type,
        LedgerAccount.owner_id,
        LedgerAccount.kind,
    )
    query = _scoped(select(*columns, sum_cents(Posting.amount_cents)), cooperative_id)
    rows = db.session.execute(
        query.group_by(LedgerAccount.id, *columns).order_by(LedgerAccount.code)
    )
    return [AccountBalance(*row) for row in rows]


def balances_by_owner(cooperative_id: int | None = None) -> list[OwnerBalance]:
    """Every owner's balance over all its accounts; with a cooperative, only its entries count."""
    columns = (LedgerAccount.owner_type, LedgerAccount.owner_id)
    query = _scoped(select(*columns, sum_cents(Posting.amount_cents)), cooperative_id)
    rows = db.session.execute(query.group_by(*columns).order_by(*columns))
    return [OwnerBalance(*row) for row in rows]


def _scoped(query: Select[Any], cooperative_id: int | None) -> Select[Any]:
    """Postings joined to their accounts; with a cooperative, only those of its entries."""
    query = query.select_from(Posting).join(LedgerAccount, Posting.account_id == LedgerAccount.id)
    if cooperative_id is None:
        return query
    query = query.join(JournalEntry, Posting.entry_id == JournalEntry.id)
    return query.where(JournalEntry.cooperative_id == cooperative_id)


def _member_figures(rows: Any) -> tuple[ColumnElement[int], ...]:
    """Turnover ex VAT, levy, offset, paid out and pot movement over a subquery of postings.

    ``rows`` has columns amount_cents, leg and on_pot (the posting is on the member's payable).
    """
    levy = -sum_cents(rows.c.amount_cents, rows.c.leg == Leg.LEVY)
    member_share = -sum_cents(rows.c.amount_cents, and_(rows.c.on_pot, rows.c.leg == Leg.MEMBER))
    return (
        levy + member_share,
        levy,
        sum_cents(rows.c.amount_cents, and_(rows.c.on_pot, rows.c.leg == Leg.OFFSET)),
        sum_cents(rows.c.amount_cents, and_(rows.c.on_pot, rows.c.leg == Leg.PAYOUT)),
        -sum_cents(rows.c.amount_cents, rows.c.on_pot),
    )


def member_monthly_statement(member_id: int) -> list[MonthRow]:
    """The member's months with postings, oldest first, with the pot carried forward."""
    pot_id = select(LedgerAccount.id).where(LedgerAccount.code == member_payable(member_id))
    on_pot = Posting.account_id == pot_id.scalar_subquery()
    rows = (
        select(JournalEntry.period, Posting.amount_cents, Posting.leg, on_pot.label("on_pot"))
        .select_from(Posting)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(or_(Posting.member_id == member_id, on_pot))
        .subquery()
    )
    query = select(rows.c.period, *_member_figures(rows)).group_by(rows.c.period)
    months = db.session.execute(query.order_by(rows.c.period)).all()
    pots = accumulate(month[-1] for month in months)
    return [MonthRow(*month[:-1], pot) for month, pot in zip(months, pots, strict=True)]


def member_overview(cooperative_id: int) -> list[MemberFigures]:
    """Each member's totals in the cooperative's books (members with postings, by id)."""
    on_pot = LedgerAccount.owner_type == OwnerType.MEMBER
    # A pot posting belongs to the pot's owner; a VAT or levy leg to the member it is tagged with.
    member = case((on_pot, LedgerAccount.owner_id), else_=Posting.member_id)
    rows = (
        select(member.label("member_id"), Posting.amount_cents, Posting.leg, on_pot.label("on_pot"))
        .select_from(Posting)
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .where(LedgerAccount.cooperative_id == cooperative_id, member.is_not(None))
        .subquery()
    )
    query = select(rows.c.member_id, *_member_figures(rows)).group_by(rows.c.member_id)
    return [MemberFigures(*row) for row in db.session.execute(query.order_by(rows.c.member_id))]


def fund_statement(cooperative_id: int) -> list[FundMonthRow]:
    """The support fund's months, oldest first; amounts are positive into the fund.

    ``levy_in`` is the levy net of refunds, ``costs_out`` what entries of kind ``fund_cost``
    took out, ``other`` anything else (adjustments), and ``balance_end`` the fund afterwards.
    """
    amount = Posting.amount_cents
    levy_in = -sum_cents(amount, Posting.leg == Leg.LEVY)
    costs_out = sum_cents(amount, JournalEntry.kind == EntryKind.FUND_COST)
    query = (
        select(JournalEntry.period, levy_in, costs_out, -sum_cents(amount))
        .select_from(Posting)
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(LedgerAccount.code == support_fund(cooperative_id))
        .group_by(JournalEntry.period)
        .order_by(JournalEntry.period)
    )
    months = db.session.execute(query).all()
    balances = accumulate(month[3] for month in months)
    return [
        FundMonthRow(period, levy, costs, movement - levy + costs, balance)
        for (period, levy, costs, movement), balance in zip(months, balances, strict=True)
    ]
