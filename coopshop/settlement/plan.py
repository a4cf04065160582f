"""What closing a period would settle: every member's figures, per municipality. Read-only.

The same plan is shown as the preview and carried out by the close, so the two cannot differ.
A municipality is settled under the rule version in force on the first day of the first month
it settles (``Municipality.rule_on``); a member's eligibility is read on that same day. A
municipality that settles per quarter waits until the quarter's last month is closed and then
settles the quarter's months together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from coopshop.accounts.models import User
from coopshop.cooperatives.models import (
    Cooperative,
    Member,
    MemberStatus,
    Municipality,
    SettlementPeriod,
    SettlementRuleVersion,
)
from coopshop.extensions import db
from coopshop.ledger.services import first_day_of, is_period_locked
from coopshop.settlement import queries
from coopshop.settlement.arithmetic import SettlementResult, SettlementRule, settle_member
from coopshop.settlement.errors import EarlierPeriodOpen, NoRuleInForce, PeriodAlreadyClosed
from coopshop.settlement.periods import (
    is_quarter_end,
    month_name,
    quarter_months,
    settled_period_name,
)


class MemberRow(NamedTuple):
    """What settling a member reads of them: a plain row, not an ORM object."""

    id: int
    name: str
    client_number: str
    municipality_id: int
    status: str
    exemption_eligible: bool
    exemption_end: date | None

    def eligible_on(self, day: date) -> bool:
        """Eligibility on ``day``, by the very rule of :meth:`Member.eligible_on`."""
        return Member.eligible_on(self, day)  # type: ignore[arg-type]


class MemberSettlement(NamedTuple):
    """One member's figures; ``corrections`` is the part of income that corrects older months."""

    member: MemberRow
    eligible: bool
    result: SettlementResult
    months_left: int
    corrections: int


@dataclass
class MunicipalitySettlement:
    """The members of one municipality settled at this close, and what corrects older months."""

    municipality: Municipality
    rule: SettlementRuleVersion
    months: list[str]
    members: list[MemberSettlement] = field(default_factory=list)
    corrections: list[queries.CorrectionRow] = field(default_factory=list)
    arithmetic_rule: SettlementRule = field(init=False)
    first_day: date = field(init=False)

    def __post_init__(self) -> None:
        # Once per municipality, not once per member: the rule's checks run on construction.
        self.arithmetic_rule = as_rule(self.rule)
        self.first_day = first_day_of(self.months[0])  # eligibility is read on this day

    @property
    def period_start(self) -> str:
        return self.months[0]

    @property
    def period_end(self) -> str:
        return self.months[-1]

    @property
    def name(self) -> str:
        """'september 2026' or 'juli tot en met september 2026'."""
        return settled_period_name(self.period_start, self.period_end)

    def total(self, figure: str) -> int:
        """The sum of one figure (``withheld``, ``exemption``, ...) over the members."""
        return sum(getattr(line.result, figure) for line in self.members)


@dataclass(frozen=True)
class Waiting:
    """A municipality that settles per quarter, whose quarter has not ended with this period."""

    municipality: Municipality
    settles_with: str  # the month whose close settles the quarter


@dataclass(frozen=True)
class ClosePlan:
    cooperative: Cooperative
    period: str
    settlements: list[MunicipalitySettlement]
    waiting: list[Waiting]

    @property
    def period_name(self) -> str:
        return month_name(self.period)


def check_closable(cooperative_id: int, period: str) -> None:
    """Raise PeriodAlreadyClosed, or EarlierPeriodOpen if an earlier month with bookings is open.

    Periods close in order, so that the exemption months carried forward are complete.
    """
    if is_period_locked(cooperative_id, period):
        raise PeriodAlreadyClosed(f"{month_name(period).capitalize()} is al afgesloten.")
    earlier = queries.earliest_open_period_before(cooperative_id, period)
    if earlier is not None:
        raise EarlierPeriodOpen(
            f"Sluit eerst {month_name(earlier)} af. Maanden worden op volgorde afgesloten."
        )


def plan_close(cooperative: Cooperative, period: str) -> ClosePlan:
    """Every member's figures if ``period`` were closed now; changes nothing.

    Raises PeriodAlreadyClosed, EarlierPeriodOpen and NoRuleInForce (a municipality of a
    member who has not left has no rule version on the day that counts).
    """
    check_closable(cooperative.id, period)
    members = _members(cooperative.id)
    settlements, waiting = _schedule(members, _municipalities(cooperative.id), period)
    months = sorted({month for s in settlements.values() for month in s.months})
    incomes = queries.member_incomes(cooperative.id, months) if months else {}
    corrections = queries.correction_rows(cooperative.id, months) if months else []
    used = queries.months_used(cooperative.id)
    by_member: dict[int, list[queries.CorrectionRow]] = defaultdict(list)
    for row in corrections:
        by_member[row.member_id].append(row)
    for member in members:
        settlement = settlements.get(member.municipality_id)
        if settlement is None:
            continue
        income = sum([incomes.get((member.id, month), 0) for month in settlement.months])
        if income == 0 and member.status == MemberStatus.LEFT:
            continue
        own = by_member.get(member.id, [])
        settlement.members.append(_settle(member, settlement, income, used.get(member.id, 0), own))
        settlement.corrections.extend(own)
    issued = [s for s in settlements.values() if s.members]
    issued.sort(key=lambda s: s.municipality.name)
    return ClosePlan(cooperative, period, issued, waiting)


def _members(cooperative_id: int) -> list[MemberRow]:
    """The cooperative's members with their names, as plain rows, in one query."""
    query = (
        select(
            Member.id,
            User.name,
            Member.client_number,
            Member.municipality_id,
            Member.status,
            Member.exemption_eligible,
            Member.exemption_end,
        )
        .join(User, Member.user_id == User.id)
        .where(Member.cooperative_id == cooperative_id)
        .order_by(User.name, Member.id)
    )
    return [MemberRow(*row) for row in db.session.execute(query)]


def _municipalities(cooperative_id: int) -> dict[int, Municipality]:
    """The municipalities the cooperative's members live in, with their rule versions."""
    query = (
        select(Municipality)
        .where(
            Municipality.id.in_(
                select(Member.municipality_id).where(Member.cooperative_id == cooperative_id)
            )
        )
        .options(joinedload(Municipality.rule_versions))
    )
    return {municipality.id: municipality for municipality in db.session.scalars(query).unique()}


def _schedule(
    members: list[MemberRow], municipalities: dict[int, Municipality], period: str
) -> tuple[dict[int, MunicipalitySettlement], list[Waiting]]:
    """Which municipalities settle at this close and over which months; which wait."""
    settlements: dict[int, MunicipalitySettlement] = {}
    waiting: dict[int, Waiting] = {}
    for member in members:
        if member.municipality_id in settlements or member.municipality_id in waiting:
            continue
        municipality = municipalities[member.municipality_id]
        months = settlement_months(municipality, period)
        if months is None:
            if member.status != MemberStatus.LEFT:
                waiting[municipality.id] = Waiting(municipality, quarter_months(period)[-1])
            continue
        rule = municipality.rule_on(first_day_of(months[0]))
        if rule is None:
            if member.status == MemberStatus.LEFT:
                continue
            raise NoRuleInForce(
                f"Gemeente {municipality.name} heeft geen verrekenregel voor "
                f"{month_name(months[0])}. Vraag het netwerkbeheer om die toe te voegen."
            )
        settlements[municipality.id] = MunicipalitySettlement(municipality, rule, months)
    return settlements, sorted(waiting.values(), key=lambda w: w.municipality.name)


def settlement_months(municipality: Municipality, period: str) -> list[str] | None:
    """The months settled for ``municipality`` when ``period`` closes; None while it waits.

    A month whose rule settles per quarter waits for the quarter's last month (or for the
    first later month of the quarter that a new rule version settles per month) and is then
    settled together with it, under the rule of the first waiting month.
    """
    if _settles_per_quarter(municipality, period) and not is_quarter_end(period):
        return None
    months = [period]
    for month in reversed([m for m in quarter_months(period) if m < period]):
        if not _settles_per_quarter(municipality, month):
            break
        months.insert(0, month)
    return months


def _settles_per_quarter(municipality: Municipality, period: str) -> bool:
    rule = municipality.rule_on(first_day_of(period))
    return rule is not None and rule.period == SettlementPeriod.QUARTER


def as_rule(rule: SettlementRuleVersion) -> SettlementRule:
    """The arithmetic's plain rule for a stored rule version."""
    return SettlementRule(
        period=rule.period,  # type: ignore[arg-type]
        basis=rule.basis,  # type: ignore[arg-type]
        tax_reserve_bp=rule.tax_reserve_bp,
        exemption_bp=rule.exemption_bp,
        exemption_cap_cents=rule.exemption_cap_cents,
        exemption_max_months=rule.exemption_max_months,
        offset_bp=rule.offset_bp,
        withhold=rule.withhold,
    )


def _settle(
    member: MemberRow,
    settlement: MunicipalitySettlement,
    income: int,
    months_used: int,
    corrections: list[queries.CorrectionRow],
) -> MemberSettlement:
    rule = settlement.arithmetic_rule
    eligible = member.eligible_on(settlement.first_day)
    result = settle_member(income, rule, eligible, months_used)
    left = max(0, rule.exemption_max_months - result.months_used_after) if eligible else 0
    return MemberSettlement(
        member=member,
        eligible=eligible,
        result=result,
        months_left=left,
        corrections=sum(row.member_income for row in corrections),
    )
