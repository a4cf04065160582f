"""Issued reports: who may see which, their files, their versions, and corrections.

A report never changes. When something printed on it was wrong (a client number, a name), a
coordinator issues a correction: a new version with the same figures (the period is closed,
so the ledger behind them cannot have changed), the current member details, and the reason,
naming the version it replaces. Only the newest version counts for the exemption months.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from coopshop.accounts.models import User
from coopshop.accounts.permissions import scoped
from coopshop.cooperatives.models import Cooperative, Member, Municipality
from coopshop.extensions import db
from coopshop.models_base import utcnow
from coopshop.settlement import queries
from coopshop.settlement.audit_log import record_event
from coopshop.settlement.documents import (
    ReportCorrection,
    ReportDocument,
    ReportLine,
    filename,
    sha256,
)
from coopshop.settlement.errors import (
    NoCorrectionReason,
    ReportReplaced,
    ReportTampered,
    UnknownReportFormat,
)
from coopshop.settlement.issuing import store_report
from coopshop.settlement.models import FIGURES, SettlementLine, SettlementReport
from coopshop.settlement.periods import months_between

MIMETYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def visible_reports(user: User) -> Select[tuple[SettlementReport]]:
    """The reports of the cooperatives ``user`` administers, newest period first."""
    query = (
        select(SettlementReport)
        .join(SettlementReport.municipality)
        .options(
            joinedload(SettlementReport.cooperative), joinedload(SettlementReport.municipality)
        )
        .order_by(
            SettlementReport.period_end.desc(),
            Municipality.name,
            SettlementReport.version.desc(),
        )
    )
    return scoped(query, SettlementReport.cooperative_id, user)


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    mimetype: str
    filename: str


def report_file(report: SettlementReport, file_format: str) -> ReportFile:
    """A stored file of the report, exactly as issued.

    Raises UnknownReportFormat unless ``file_format`` is pdf, csv or xlsx, and ReportTampered
    if the stored bytes no longer match the checksum taken when the report was issued.
    """
    if file_format not in MIMETYPES:
        raise UnknownReportFormat()
    content: bytes = getattr(report, file_format)
    if sha256(content) != getattr(report, f"{file_format}_sha256"):
        raise ReportTampered("Dit bestand is beschadigd. Neem contact op met het netwerkbeheer.")
    name = filename(report.period_end, report.municipality.name, report.version)
    return ReportFile(content, MIMETYPES[file_format], f"{name}.{file_format}")


def versions_of(report: SettlementReport) -> list[SettlementReport]:
    """Every version of the report, oldest first."""
    query = (
        select(SettlementReport)
        .where(
            SettlementReport.cooperative_id == report.cooperative_id,
            SettlementReport.municipality_id == report.municipality_id,
            SettlementReport.period_end == report.period_end,
        )
        .order_by(SettlementReport.version)
    )
    return list(db.session.scalars(query))


def is_current(report: SettlementReport) -> bool:
    """Whether no later version replaces the report."""
    query = select(SettlementReport.id).where(SettlementReport.replaces_id == report.id)
    return db.session.scalar(query) is None


def reissue_report(actor: User, report: SettlementReport, reason: str) -> SettlementReport:
    """Issue a correction of ``report``: the next version, naming the one it replaces; commit.

    The figures are those of the report; the member names and client numbers are read again.
    Raises NoCorrectionReason for an empty reason and ReportReplaced unless ``report`` is the
    newest version. Nothing is stored when it fails.
    """
    reason = reason.strip()
    if not reason:
        raise NoCorrectionReason("Schrijf op waarom u het rapport corrigeert.")
    # Lock the cooperative so that two corrections at once cannot both become version n + 1.
    db.session.execute(
        select(Cooperative.id).where(Cooperative.id == report.cooperative_id).with_for_update()
    )
    if not is_current(report):
        raise ReportReplaced("Er is al een nieuwere versie van dit rapport. Corrigeer die.")
    document = corrected_document(report, actor.name, reason)
    new = store_report(
        document, municipality_id=report.municipality_id, issued_by_id=actor.id, replaces=report
    )
    summary = f"{report.municipality.name} {report.period_end} versie {new.version}: {reason}"
    record_event(
        actor.id,
        "settlement_report.corrected",
        new,
        cooperative_id=report.cooperative_id,
        summary=summary,
    )
    db.session.commit()
    return new


def corrected_document(report: SettlementReport, issued_by: str, reason: str) -> ReportDocument:
    """The next version of ``report``: its figures with the members' current details."""
    member_ids = [line.member_id for line in report.lines]
    members = {
        member.id: member
        for member in db.session.scalars(
            select(Member).where(Member.id.in_(member_ids)).options(joinedload(Member.user))
        )
    }
    return ReportDocument(
        cooperative=report.cooperative,
        municipality_name=report.municipality.name,
        cbs_code=report.municipality.cbs_code,
        period_start=report.period_start,
        period_end=report.period_end,
        rule=report.rule_version,
        lines=[_stored_line(line, members[line.member_id]) for line in report.lines],
        corrections=_corrections(report, members),
        version=report.version + 1,
        issued_at=utcnow(),
        issued_by=issued_by,
        replaces_issued_at=report.issued_at,
        correction_reason=reason,
    )


def _corrections(report: SettlementReport, members: dict[int, Member]) -> list[ReportCorrection]:
    """The report's corrections, read again from the ledger (the closed months cannot change)."""
    months = months_between(report.period_start, report.period_end)
    return [
        ReportCorrection(
            client_number=members[row.member_id].client_number,
            name=members[row.member_id].user.name,
            description=row.description,
            original_period=row.original_period,
            booked_period=row.booked_period,
            member_income=row.member_income,
        )
        for row in queries.correction_rows(report.cooperative_id, months)
        if row.member_id in members
    ]


def _stored_line(line: SettlementLine, member: Member) -> ReportLine:
    return ReportLine(
        member_id=line.member_id,
        client_number=member.client_number,
        name=member.user.name,
        eligible=line.eligible,
        **{figure: getattr(line, f"{figure}_cents") for figure in FIGURES},
        corrections=line.corrections_cents,
        applicable_months=line.applicable_months,
        months_used_before=line.months_used_before,
        months_used_after=line.months_used_after,
        months_left=line.months_left,
    )


def member_lines(member_id: int) -> list[SettlementLine]:
    """The member's lines on current reports, newest period first, with their reports."""
    query = (
        select(SettlementLine)
        .join(SettlementLine.report)
        .where(SettlementLine.member_id == member_id, queries.current_report())
        .options(
            joinedload(SettlementLine.report).joinedload(SettlementReport.municipality),
        )
        .order_by(SettlementReport.period_end.desc())
    )
    return list(db.session.scalars(query))
