"""Issuing a report: its document, its stored files and lines, and the offsets it posts.

Adds and flushes only; the close (or the correction) that calls these commits once. A report's
lines are inserted with one statement, and the offsets of every municipality settled at a close
are one journal entry each, inserted together with all their postings in two statements, so
issuing costs the same number of queries for three members as for a thousand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from coopshop.bulk_insert import insert_rows
from coopshop.cooperatives.models import Cooperative
from coopshop.extensions import db
from coopshop.ledger.accounts import member_payable, municipality_payable
from coopshop.ledger.models import EntryKind, Leg
from coopshop.ledger.services import Line, NewEntry, PreparedBooking, post_entries
from coopshop.settlement.documents import (
    ReportCorrection,
    ReportDocument,
    ReportLine,
    render_files,
)
from coopshop.settlement.models import FIGURES, SettlementLine, SettlementReport
from coopshop.settlement.periods import last_day_of
from coopshop.settlement.plan import MemberSettlement, MunicipalitySettlement

# The settlement_line column of each ReportLine field: figures get a ``_cents`` suffix.
_RENAMED = {"name": "member_name", **{f: f"{f}_cents" for f in (*FIGURES, "corrections")}}
_LINE_COLUMNS = [_RENAMED.get(name, name) for name in ReportLine._fields]


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
            name=members[row.member_id].name,
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
        name=line.member.name,
        eligible=line.eligible,
        member_income=result.member_income,
        basis_income=result.basis_income,
        exemption=result.exemption,
        countable=result.countable,
        offset=result.offset,
        withheld=result.withheld,
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
    report = rendered_report(
        document, municipality_id=municipality_id, issued_by_id=issued_by_id, replaces=replaces
    )
    store_reports([(report, document)])
    return report


def rendered_report(
    document: ReportDocument,
    *,
    municipality_id: int,
    issued_by_id: int | None,
    replaces: SettlementReport | None = None,
) -> SettlementReport:
    """The report of ``document`` with its PDF, CSV and XLSX, not yet stored."""
    files = render_files(document)
    return SettlementReport(
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


def store_reports(issued: list[tuple[SettlementReport, ReportDocument]]) -> None:
    """Store rendered reports and their lines: one INSERT for the reports (the ORM batches
    them), one for all their lines. Adds and flushes."""
    db.session.add_all([report for report, _ in issued])
    db.session.flush()
    rows = [
        _line_row(report.id, position, line)
        for report, document in issued
        for position, line in enumerate(document.lines, 1)
    ]
    insert_rows(SettlementLine.__table__, rows)


def _line_row(report_id: int, position: int, line: ReportLine) -> dict[str, Any]:
    row = dict(zip(_LINE_COLUMNS, line, strict=True))
    row["report_id"], row["position"] = report_id, position
    return row


def post_offsets(
    issued: list[tuple[SettlementReport, ReportDocument]],
    prepared: PreparedBooking | None = None,
) -> None:
    """Move what is withheld from the members' pots to the municipalities' payable accounts.

    One entry per report that withholds anything, dated on the last day of the settled period:
    a debit on each member's payable (leg ``offset``, tagged with the member, so it shows on
    the member's statement) and one credit on the municipality's payable. All of them through
    :func:`coopshop.ledger.services.post_entries`, in one statement per table; ``prepared``
    holds what the caller already read or checked (accounts, open periods), which the ledger
    then does not read again. Adds only.
    """
    entries = []
    for report, document in issued:
        withheld = [(line.member_id, line.withheld) for line in document.lines if line.withheld > 0]
        if not withheld:
            continue
        debits = [
            Line(member_payable(member), cents, member, Leg.OFFSET.value)
            for member, cents in withheld
        ]
        credit = Line(
            municipality_payable(report.municipality_id),
            -sum(cents for _, cents in withheld),
            None,
            Leg.OFFSET.value,
        )
        entries.append(
            NewEntry(
                kind=EntryKind.OFFSET.value,
                reference=f"offset:{report.cooperative_id}:{report.period_end}:{report.municipality_id}",
                booking_date=last_day_of(report.period_end),
                lines=[*debits, credit],
                cooperative_id=report.cooperative_id,
                description=f"Inhouding gemeente {document.municipality_name} {document.period_name}",
                links={"settlement_id": report.id},
            )
        )
    post_entries(entries, prepared)
