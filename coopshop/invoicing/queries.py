"""Reading invoices: what was credited, what is left, VAT per rate, lists for admins."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Select, cast, func, select
from sqlalchemy.orm import lazyload, selectinload

from coopshop.extensions import db
from coopshop.invoicing.models import Invoice, InvoiceLine
from coopshop.money import RefundSplit, VatRate


class VatTotal(NamedTuple):
    """One VAT rate group of a document: amounts excluding VAT, the VAT, and including VAT."""

    rate: VatRate
    ex_vat: int
    vat: int
    gross: int


# The order in which rate groups are printed and returned.
RATE_ORDER = tuple(VatRate)


def _sum(column: Any) -> Any:
    # PostgreSQL sums bigint into numeric; cast back so Python gets an int, not a Decimal.
    return cast(func.coalesce(func.sum(column), 0), BigInteger)


def credited_so_far(line: InvoiceLine) -> RefundSplit:
    """What earlier credit notes took back from ``line``, as positive legs."""
    query = select(
        _sum(InvoiceLine.vat_cents), _sum(InvoiceLine.levy_cents), _sum(InvoiceLine.member_cents)
    ).where(InvoiceLine.corrects_line_id == line.id)
    vat, levy, member = db.session.execute(query).one()
    return RefundSplit(vat=-vat, levy=-levy, member=-member)


def remaining_line_gross(line: InvoiceLine) -> int:
    """What is left of the line's gross after its credit notes; the most a refund can be."""
    return line.gross_cents - credited_so_far(line).gross


def remaining_gross(invoice: Invoice) -> int:
    """The invoice's gross minus (the absolute amounts of) every credit note correcting it."""
    credited = db.session.scalar(
        select(_sum(Invoice.gross_cents)).where(Invoice.corrects_invoice_id == invoice.id)
    )
    return invoice.gross_cents + credited


def credit_notes_of(invoice: Invoice) -> list[Invoice]:
    """The credit notes that correct ``invoice``, oldest first."""
    query = select(Invoice).where(Invoice.corrects_invoice_id == invoice.id).order_by(Invoice.id)
    return list(db.session.scalars(query))


def vat_totals(invoice: Invoice) -> list[VatTotal]:
    """Per VAT rate on the document (21, 9, 0, exempt order): ex VAT, VAT and gross.

    The sums of the stored line legs. On an invoice each group's VAT equals
    ``vat_from_gross`` of the group's gross, because :func:`coopshop.money.split_invoice`
    allocated exactly that over the group's lines. On a credit note it is what the refunds
    took back of the VAT legs (negative), which is what the ledger reverses.
    """
    groups: dict[VatRate, tuple[int, int, int]] = {}
    for line in invoice.lines:
        ex_vat, vat, gross = groups.get(line.rate, (0, 0, 0))
        groups[line.rate] = (
            ex_vat + line.ex_vat_cents,
            vat + line.vat_cents,
            gross + line.gross_cents,
        )
    return [VatTotal(rate, *groups[rate]) for rate in RATE_ORDER if rate in groups]


def invoice_by_number(number: str) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.number == number))


def cooperative_invoices_query(cooperative_id: int) -> Select[tuple[Invoice]]:
    """The cooperative's invoices and credit notes, newest first (without their lines)."""
    return (
        select(Invoice)
        .options(selectinload(Invoice.corrects), lazyload(Invoice.lines))
        .where(Invoice.cooperative_id == cooperative_id)
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
    )
