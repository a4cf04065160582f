"""Issuing test invoices with defaults: a business buyer, dated in March 2026."""

from __future__ import annotations

from datetime import date
from typing import Any

from coopshop.cooperatives.models import Cooperative, Member
from coopshop.extensions import db
from coopshop.invoicing.models import Invoice, InvoiceLine
from coopshop.invoicing.services import (
    BuyerDetails,
    InvoiceLineInput,
    issue_credit_note,
    issue_invoice,
)

ISSUE_DATE = date(2026, 3, 10)
DELIVERY_DATE = date(2026, 3, 6)

BUSINESS_BUYER = BuyerDetails(
    name="Karin de Koper",
    email="inkoop@bakkerij-koper.test",
    street="Marktplein 4",
    postcode="3512 AB",
    city="Utrecht",
    company_name="Bakkerij De Koper B.V.",
    kvk_number="12345678",
    vat_id="NL001234567B01",
    purchase_order_reference="PO-2026-117",
)


def line(
    member: Member, gross_cents: int, vat_rate: int | str = 21, quantity: int = 1, **kwargs: Any
) -> InvoiceLineInput:
    """A line of ``quantity`` units that together cost ``gross_cents`` including VAT."""
    values = {
        "member_id": member.id,
        "provider_name": member.trade_name,
        "description": f"Product van {member.trade_name}",
        "quantity": quantity,
        "unit_gross_cents": gross_cents // max(quantity, 1),
        "vat_rate": vat_rate,
    }
    return InvoiceLineInput(**{**values, **kwargs})


def issue(
    cooperative: Cooperative, lines: list[InvoiceLineInput], commit: bool = True, **overrides: Any
) -> Invoice:
    """Issue (and by default commit) an invoice to the business buyer."""
    values: dict[str, Any] = {
        "cooperative": cooperative,
        "buyer": BUSINESS_BUYER,
        "lines": lines,
        "issue_date": ISSUE_DATE,
        "delivery_date": DELIVERY_DATE,
    }
    invoice = issue_invoice(**{**values, **overrides})
    if commit:
        db.session.commit()
    return invoice


def credit(
    invoice: Invoice, refunds: list[tuple[InvoiceLine, int]], commit: bool = True, **overrides: Any
) -> Invoice:
    """Issue (and by default commit) a credit note for ``refunds`` on the invoice."""
    values: dict[str, Any] = {
        "invoice": invoice,
        "refunds": refunds,
        "issue_date": date(2026, 3, 20),
        "reason": "Retour ontvangen",
    }
    credit_note = issue_credit_note(**{**values, **overrides})
    if commit:
        db.session.commit()
    return credit_note


def legs(line: InvoiceLine) -> dict[str, int]:
    """The stored legs of a line, keyed like the worked cases."""
    return {
        "gross": line.gross_cents,
        "vat": line.vat_cents,
        "ex_vat": line.ex_vat_cents,
        "levy": line.levy_cents,
        "member": line.member_cents,
    }
