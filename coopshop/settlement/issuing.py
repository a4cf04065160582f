"""Issuing a report: its document, its stored files and lines, and the offsets it posts.

Adds and flushes only; the close (or the correction) that calls these commits once. Lines are
inserted with one multi-row INSERT and the offsets of a whole municipality are one journal
entry, so issuing costs the same number of queries for three members as for a thousand.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from coopshop.cooperatives.models import Cooperative
from coopshop.extensions import db
from coopshop.ledger.accounts import member_payable, municipality_payable
from coopshop.ledger.models import EntryKind, JournalEntry, Leg
from coopshop.ledger.services import Line, post_entry
from coopshop.settlement.documents import (
    ReportCorrection,
    ReportDocument,
    ReportLine,
    render_files,
)
from coopshop.settlement.models import FIGURES, SettlementLine, SettlementReport
from coopshop.settlement.periods import last_day_of
from coopshop.settlement.plan import MemberSettlement, MunicipalitySettlement

# Columns a ReportLine maps to: the figures get a ``_cents`` suffix, the rest keep their name.
_LINE_FIELDS = [f.name for f in fields(ReportLine)]


def settlement_document(
    cooperative: Cooperative,
    settlement: MunicipalitySettlement,
    issued_at: datetime,
    issued_by: str,
) -> ReportDocument:
    """The first version of a report, from the planned figures of one municipality."""
    members = {line.member.id: line.member for line in settlement.members}
    corrections = [
        ReportCorrection(
            client_number=members[row.member_id].client_number,
            name=members[row.member_id].user.name,
            description=row.description,
            original_period=row.original_period,
            booked_period=row.booked_period,
            member_income=row.member_income,
        )
        for row in settlement.corrections
    ]
    return ReportDocument(
        cooperative=cooperative,
        municipality_name=settlement.municipality.name,
        cbs_code=settlement.municipality.cbs_code,
        period_start=settlement.period_start,
        period_end=settlement.period_end,
        rule=settlement.rule,
        lines=[_report_line(line) for line in settlement.members],
        corrections=corrections,
        version=1,
        issued_at=issued_at,
        issued_by=issued_by,
    )


def _report_line(line: MemberSettlement) -> ReportLine:
    result = line.result
    return ReportLine(
        member_id=line.member.id,
        client_number=line.member.client_number,
        name=line.member.user.name,
        eligible=line.eligible,
        **{figure: getattr(result, figure) for figure in FIGURES},
        corrections=line.corrections,
        applicable_months=result.applicable_months,
        months_used_before=result.months_used_before,
        months_used_after=result.months_used_after,
        months_left=line.months_left,
    )


def store_report(
    document: ReportDocument,
    *,
    municipality_id: int,
    issued_by_id: int | None,
    replaces: SettlementReport | None = None,
) -> SettlementReport:
    """Render the files and store the report with its lines; return it. Adds and flushes."""
    files = render_files(document)
    report = SettlementReport(
        cooperative_id=document.cooperative.id,
        municipality_id=municipality_id,
        rule_version_id=document.rule.id,
        period_start=document.period_start,
        period_end=document.period_end,
        version=document.version,
        replaces_id=replaces.id if replaces else None,
        correction_reason=document.correction_reason,
        member_count=len(document.lines),
        corrections_cents=document.corrections_total,
        issued_at=document.issued_at,
        issued_by_id=issued_by_id,
        issued_by_name=document.issued_by,
        pdf=files.pdf,
        csv=files.csv,
        xlsx=files.xlsx,
        **{f"{figure}_cents": document.total(figure) for figure in FIGURES},
        **files.checksums(),
    )
    db.session.add(report)
    db.session.flush()
    rows = [_line_row(report.id, position, line) for position, line in enumerate(document.lines, 1)]
    db.session.execute(insert(SettlementLine), rows)
    return report


def _line_row(report_id: int, position: int, line: ReportLine) -> dict[str, Any]:
    row: dict[str, Any] = {"report_id": report_id, "position": position}
    for name in _LINE_FIELDS:
        column = f"{name}_cents" if name in (*FIGURES, "corrections") else name
        row["member_name" if name == "name" else column] = getattr(line, name)
    return row


def post_offsets(report: SettlementReport, document: ReportDocument) -> JournalEntry | None:
    """Move what is withheld from the members' pots to the municipality's payable account.

    One entry for the municipality, dated on the last day of the settled period: a debit on
    each member's payable (leg ``offset``, tagged with the member, so it shows on the member's
    statement) and one credit on the municipality's payable. None when nothing is withheld.
    Raises what :func:`post_entry` raises. Adds and flushes.
    """
    withheld = [(line.member_id, line.withheld) for line in document.lines if line.withheld > 0]
    if not withheld:
        return None
    legs = [Line(member_payable(member), cents, member, Leg.OFFSET) for member, cents in withheld]
    total = sum(cents for _, cents in withheld)
    legs.append(Line(municipality_payable(report.municipality_id), -total, None, Leg.OFFSET))
    return post_entry(
        kind=EntryKind.OFFSET,
        reference=f"offset:{report.cooperative_id}:{report.period_end}:{report.municipality_id}",
        booking_date=last_day_of(report.period_end),
        lines=legs,
        cooperative_id=report.cooperative_id,
        description=f"Inhouding gemeente {document.municipality_name} {document.period_name}",
        settlement_id=report.id,
    )
