"""The PDF of an invoice or credit note: A4, Dutch, page numbers, WeasyPrint.

The document is always Dutch (it is the legal invoice), whatever language the person who
downloads it chose, so amounts and dates are formatted here with the Dutch locale and the
template only lays out prepared text. Needs an app context (for the template).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from flask import render_template
from weasyprint import HTML

from coopshop.invoicing.models import Invoice, InvoiceLine
from coopshop.invoicing.queries import vat_totals
from coopshop.money import VatRate, format_eur

RATE_LABELS = {
    VatRate.STANDARD: "21%",
    VatRate.REDUCED: "9%",
    VatRate.ZERO: "0%",
    VatRate.EXEMPT: "vrijgesteld",
}


@dataclass(frozen=True)
class PrintedLine:
    quantity: int
    description: str
    provider: str
    unit_price: str
    vat_rate: str
    total: str


@dataclass(frozen=True)
class PrintedVatGroup:
    label: str
    ex_vat: str
    vat: str
    gross: str


@dataclass(frozen=True)
class PrintedInvoice:
    """Everything the template prints, as text."""

    invoice: Invoice
    title: str
    issue_date: str
    delivery_date: str
    corrects_number: str | None
    lines: list[PrintedLine]
    vat_groups: list[PrintedVatGroup]
    total_ex_vat: str
    total_vat: str
    total: str
    has_exempt_lines: bool


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice or credit note as PDF bytes."""
    html = render_template("invoicing/invoice_pdf.html", document=printed_invoice(invoice))
    # No base URL: the document loads nothing but its inline stylesheet and system fonts.
    return HTML(string=html).write_pdf()


def printed_invoice(invoice: Invoice) -> PrintedInvoice:
    """The text of the document, formatted the Dutch way."""
    groups = vat_totals(invoice)
    return PrintedInvoice(
        invoice=invoice,
        title="Creditnota" if invoice.is_credit_note else "Factuur",
        issue_date=dutch_date(invoice.issue_date),
        delivery_date=dutch_date(invoice.delivery_date),
        corrects_number=invoice.corrects.number if invoice.corrects else None,
        lines=[_printed_line(line) for line in invoice.lines],
        vat_groups=[
            PrintedVatGroup(RATE_LABELS[group.rate], *map(euro, group[1:])) for group in groups
        ],
        total_ex_vat=euro(invoice.ex_vat_cents),
        total_vat=euro(invoice.vat_cents),
        total=euro(invoice.gross_cents),
        has_exempt_lines=any(group.rate is VatRate.EXEMPT for group in groups),
    )


def euro(cents: int) -> str:
    return format_eur(cents, "nl")


def dutch_date(day: date) -> str:
    """15 januari 2026."""
    return format_date(day, "d MMMM y", locale="nl")


def _printed_line(line: InvoiceLine) -> PrintedLine:
    return PrintedLine(
        quantity=line.quantity,
        description=line.description,
        provider=line.provider_name,
        unit_price=euro(line.unit_gross_cents),
        vat_rate=RATE_LABELS[line.rate],
        total=euro(line.gross_cents),
    )
