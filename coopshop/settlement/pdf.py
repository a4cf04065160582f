"""The PDF of a municipal report: A4 landscape, Dutch, page numbers, WeasyPrint.

As with invoices (coopshop/invoicing/pdf.py), the document is always Dutch whatever language
the person who issues it chose: the template is rendered under the Dutch locale, so the
``euro``, ``bp``, ``day`` and ``moment`` filters print Dutch amounts and dates. No base URL:
the document loads nothing but its inline stylesheet and system fonts. Needs an app context.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import render_template
from flask_babel import force_locale
from weasyprint import HTML

if TYPE_CHECKING:
    from coopshop.settlement.documents import ReportDocument


def report_html(document: ReportDocument) -> str:
    """The report as the HTML that WeasyPrint lays out."""
    with force_locale("nl"):
        return render_template("settlement/report_pdf.html", document=document)


def render_report_pdf(document: ReportDocument) -> bytes:
    """The report as PDF bytes."""
    return HTML(string=report_html(document)).write_pdf()
