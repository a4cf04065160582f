"""Closing a period: settle every member, post the offsets, lock the period, issue the reports.

All of it happens in one transaction: if anything fails halfway (a rule missing, a PDF that
cannot be rendered, the database going away), nothing is posted, nothing is locked and no
report exists. The cooperative's row is locked first, so no sale or refund can be booked into
the period between reading the incomes and locking it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from coopshop.accounts.models import User
from coopshop.audit.services import record
from coopshop.cooperatives.models import Cooperative
from coopshop.errors import NotFound
from coopshop.extensions import db
from coopshop.ledger.services import PreparedBooking, lock_period
from coopshop.models_base import utcnow
from coopshop.settlement import queries
from coopshop.settlement.issuing import (
    post_offsets,
    rendered_report,
    settlement_document,
    store_reports,
)
from coopshop.settlement.models import SettlementReport
from coopshop.settlement.periods import is_period
from coopshop.settlement.plan import ClosePlan, plan_close

COMMAND_LINE = "de opdrachtregel (coopshop settle close)"


@dataclass(frozen=True)
class ClosedPeriod:
    plan: ClosePlan
    reports: list[SettlementReport]


def preview_close(cooperative: Cooperative, period: str) -> ClosePlan:
    """The figures a close of ``period`` would issue; changes nothing.

    Raises NotFound for a malformed period and what :func:`plan_close` raises.
    """
    _require_period(period)
    return plan_close(cooperative, period)


def close_period(cooperative_id: int, period: str, actor: User | None) -> ClosedPeriod:
    """Close ``period`` for the cooperative and commit, or change nothing at all.

    Checks, in order: the period is well-formed (NotFound), the cooperative exists (NotFound),
    the period is not closed yet (PeriodAlreadyClosed), no earlier month with bookings is open
    (EarlierPeriodOpen), every member's municipality has a rule (NoRuleInForce). Then it issues
    one report per municipality that settles now, posts what is withheld and locks the period.
    ``actor`` None means the command line. Any error rolls the whole close back.
    """
    _require_period(period)
    try:
        cooperative = _lock_books(cooperative_id)
        plan = plan_close(cooperative, period)
        reports = _issue_reports(plan, actor)
        lock = lock_period(cooperative.id, period, actor.id if actor else None)
        summary = f"{period}: {len(reports)} rapport(en), {_withheld(reports)} cent ingehouden"
        actor_id = actor.id if actor else None
        record(actor_id, "period.closed", lock, cooperative_id=cooperative.id, summary=summary)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return ClosedPeriod(plan, reports)


def _require_period(period: str) -> None:
    if not is_period(period):
        raise NotFound(f"{period!r} is geen maand. Gebruik de vorm 2026-09.")


def _lock_books(cooperative_id: int) -> Cooperative:
    """Lock the cooperative's row: bookings wait until the close commits (PostgreSQL)."""
    query = select(Cooperative).where(Cooperative.id == cooperative_id).with_for_update()
    cooperative = db.session.scalar(query.execution_options(populate_existing=True))
    if cooperative is None:
        raise NotFound("Deze coöperatie bestaat niet.")
    return cooperative


def _issue_reports(plan: ClosePlan, actor: User | None) -> list[SettlementReport]:
    issued_at = utcnow()
    issued_by = actor.name if actor else COMMAND_LINE
    issued = []
    for settlement in plan.settlements:
        document = settlement_document(plan.cooperative, settlement, issued_at, issued_by)
        report = rendered_report(
            document,
            municipality_id=settlement.municipality.id,
            issued_by_id=actor.id if actor else None,
        )
        issued.append((report, document))
    store_reports(issued)
    # The books are locked (_lock_books) and plan_close found the period open, so the
    # offsets, dated in the period, need no second look at the period's lock.
    prepared = PreparedBooking(
        account_ids=queries.member_payable_ids(plan.cooperative.id),
        open_periods={(plan.cooperative.id, plan.period)},
    )
    post_offsets(issued, prepared)
    return [report for report, _ in issued]


def _withheld(reports: list[SettlementReport]) -> int:
    return sum(report.withheld_cents for report in reports)
