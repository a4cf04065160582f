"""The content of a municipal report, and its CSV and XLSX, from plain figures.

A report is built once from a :class:`ReportDocument` into three files (PDF, CSV, XLSX) with
the same figures; the files are stored as issued. Texts are Dutch whatever the language of
whoever issues it: the report is a document for the municipality.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import NamedTuple

from coopshop.cooperatives.models import Cooperative, SettlementRuleVersion
from coopshop.settlement import pdf
from coopshop.settlement.models import FIGURES
from coopshop.settlement.periods import month_name, settled_period_name
from coopshop.statements.exports import Cell, Money, Table, to_csv_and_xlsx


class ReportLine(NamedTuple):
    """One member on the report. Amounts in cents; months count exemption months.

    A named tuple: a close makes one per member, and it is built several times faster than
    a frozen dataclass.
    """

    member_id: int
    client_number: str
    name: str
    eligible: bool
    member_income: int
    basis_income: int
    exemption: int
    countable: int
    offset: int
    withheld: int
    corrections: int
    applicable_months: int
    months_used_before: int
    months_used_after: int
    months_left: int

    @property
    def is_correction(self) -> bool:
        """A negative period: more credit notes than sales; no offset."""
        return self.member_income < 0


@dataclass(frozen=True)
class ReportCorrection:
    """A credit note or reversal in the settled months that corrects an earlier month."""

    client_number: str
    name: str
    description: str
    original_period: str
    booked_period: str
    member_income: int


@dataclass(frozen=True)
class ReportDocument:
    """Everything a report shows; the PDF, CSV and XLSX are all made from this."""

    cooperative: Cooperative
    municipality_name: str
    cbs_code: str
    period_start: str
    period_end: str
    rule: SettlementRuleVersion
    lines: list[ReportLine]
    corrections: list[ReportCorrection]
    version: int
    issued_at: datetime
    issued_by: str
    replaces_issued_at: datetime | None = None
    correction_reason: str = ""

    @property
    def period_name(self) -> str:
        return settled_period_name(self.period_start, self.period_end)

    def total(self, figure: str) -> int:
        """The sum of one figure over the lines."""
        return sum(map(attrgetter(figure), self.lines))

    @property
    def corrections_total(self) -> int:
        return sum(correction.member_income for correction in self.corrections)


@dataclass(frozen=True)
class ReportFiles:
    pdf: bytes
    csv: bytes
    xlsx: bytes

    def checksums(self) -> dict[str, str]:
        """``pdf_sha256``, ``csv_sha256`` and ``xlsx_sha256``: hex SHA-256 of each file."""
        return {f"{name}_sha256": sha256(getattr(self, name)) for name in ("pdf", "csv", "xlsx")}


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


HEADERS = [
    "Cliëntnummer",
    "Naam",
    "Recht op vrijlating",
    "Inkomen",
    "Grondslag",
    "Vrijlating",
    "Telt mee",
    "Verrekening",
    "Ingehouden",
    "Waarvan correctie eerdere periode",
    "Vrijlatingsmaanden toegepast",
    "Maanden gebruikt voor",
    "Maanden gebruikt na",
    "Maanden over",
]


def report_table(document: ReportDocument) -> Table:
    """The report as one table: a row per member, the totals, then the corrections.

    Every row has as many cells as there are headers, as the XLSX writer requires.
    """
    title = f"Verrekening {document.municipality_name} {document.period_end}"
    table = Table(title, list(HEADERS))
    table.rows.extend(_member_row(line) for line in document.lines)
    totals: list[Cell] = ["Totaal", f"{len(document.lines)} leden", ""]
    totals += [Money(document.total(figure)) for figure in FIGURES]
    totals += [Money(document.total("corrections")), "", "", "", ""]
    table.rows.append(totals)
    if document.corrections:
        table.rows.append(_padded(["Correcties op eerdere perioden"]))
        table.rows.extend(_correction_row(c) for c in document.corrections)
    return table


def _member_row(line: ReportLine) -> list[Cell]:
    return [
        line.client_number,
        line.name,
        "ja" if line.eligible else "nee",
        Money(line.member_income),
        Money(line.basis_income),
        Money(line.exemption),
        Money(line.countable),
        Money(line.offset),
        Money(line.withheld),
        Money(line.corrections),
        line.applicable_months,
        line.months_used_before,
        line.months_used_after,
        line.months_left,
    ]


def _correction_row(correction: ReportCorrection) -> list[Cell]:
    return _padded(
        [
            correction.client_number,
            correction.name,
            f"{correction.description}: correctie op {month_name(correction.original_period)}, "
            f"geboekt in {month_name(correction.booked_period)}",
            Money(correction.member_income),
        ]
    )


def _padded(cells: list[Cell]) -> list[Cell]:
    return cells + [""] * (len(HEADERS) - len(cells))


def render_files(document: ReportDocument) -> ReportFiles:
    """The PDF, CSV and XLSX of the report."""
    csv, xlsx = to_csv_and_xlsx(report_table(document))
    return ReportFiles(pdf=pdf.render_report_pdf(document), csv=csv, xlsx=xlsx)


def filename(document_period_end: str, municipality_name: str, version: int) -> str:
    """'verrekening-utrecht-2026-09' (with '-v2' for a correction), without extension."""
    slug = "-".join(municipality_name.lower().split())
    suffix = f"-v{version}" if version > 1 else ""
    return f"verrekening-{slug}-{document_period_end}{suffix}"
