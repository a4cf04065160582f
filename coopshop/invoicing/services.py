"""Issuing invoices and credit notes from plain values.

Both functions add and flush only: the calling service (orders, when a payment is confirmed)
commits, so the document, its number and its ledger entry succeed or fail together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import select

from coopshop.bulk_returning import insert_rows_returning
from coopshop.cooperatives.models import Cooperative
from coopshop.extensions import db
from coopshop.invoicing.errors import (
    InvalidCreditNote,
    NoLevyRate,
    NotAnInvoice,
    RefundExceedsInvoice,
)
from coopshop.invoicing.inputs import (
    BuyerDetails,
    InvoiceLineInput,
    check_refunds,
    checked_rates,
    require_members_of,
    require_members_of_each,
)
from coopshop.invoicing.models import Invoice, InvoiceKind, InvoiceLine
from coopshop.invoicing.numbering import InvoiceNumber, take_next_number, take_numbers
from coopshop.invoicing.queries import credited_so_far
from coopshop.models_base import utcnow
from coopshop.money import (
    InvalidRefund,
    LineSplit,
    RefundExceedsLine,
    RefundSplit,
    VatRate,
    format_eur,
    split_invoice,
    split_refund,
)
from coopshop.money import InvoiceLineInput as SplitInput

# The buyer's snapshot on an invoice; a credit note copies it from the invoice it corrects.
BUYER_COLUMNS = tuple(f"buyer_{field}" for field in BuyerDetails.__dataclass_fields__)


def issue_invoice(
    *,
    cooperative: Cooperative,
    buyer: BuyerDetails,
    lines: Sequence[InvoiceLineInput],
    issue_date: date,
    delivery_date: date,
    order_id: int | None = None,
) -> Invoice:
    """Issue an invoice with the next number of the cooperative's series and return it.

    Each line's gross is quantity x unit price; :func:`coopshop.money.split_invoice` splits
    the lines with the levy in force on ``issue_date`` and the legs are stored per line.
    Raises EmptyInvoice, InvalidInvoiceLine, MemberNotInCooperative and NoLevyRate; nothing
    is stored then and no number is taken. Adds and flushes; the caller commits.
    """
    rates = checked_rates(lines)
    require_members_of(cooperative, {line.member_id for line in lines})
    levy_bp = cooperative.levy_bp_on(issue_date)
    if levy_bp is None:
        raise NoLevyRate(f"{cooperative.name} heeft op {issue_date} geen afdracht ingesteld.")
    inputs = [
        SplitInput(line.quantity * line.unit_gross_cents, rate)
        for line, rate in zip(lines, rates, strict=True)
    ]
    splits = split_invoice(inputs, levy_bp)
    invoice_lines = [
        _invoice_line(position, line, rate, split)
        for position, (line, rate, split) in enumerate(zip(lines, rates, splits, strict=True), 1)
    ]
    return _store(
        cooperative,
        issue_date,
        kind=InvoiceKind.INVOICE,
        order_id=order_id,
        delivery_date=delivery_date,
        levy_bp=levy_bp,
        lines=invoice_lines,
        **_buyer_snapshot(buyer),
    )


@dataclass(frozen=True)
class InvoiceRequest:
    """One invoice of :func:`draft_invoices`: the seller, the buyer, the lines, the order."""

    cooperative: Cooperative
    buyer: BuyerDetails
    lines: Sequence[InvoiceLineInput]
    order_id: int | None = None


@dataclass(frozen=True)
class InvoiceDraft:
    """An invoice checked and split, not yet numbered or stored (:func:`store_invoices`)."""

    cooperative: Cooperative
    values: dict[str, Any]  # the invoice's columns, without its number
    lines: list[dict[str, Any]]  # the lines' columns, without the invoice id

    def postings(self, counter_account: str) -> list[Any]:
        """The ledger postings this invoice will be booked with (see invoicing.booking)."""
        from coopshop.invoicing.booking import leg_postings

        legs = [
            (line["member_id"], line["vat_cents"], line["levy_cents"], line["member_cents"])
            for line in self.lines
        ]
        return leg_postings(self.cooperative.id, self.values["gross_cents"], legs, counter_account)


def draft_invoices(
    requests: Sequence[InvoiceRequest], *, issue_date: date, delivery_date: date
) -> list[InvoiceDraft]:
    """Check and split several invoices as :func:`issue_invoice` does, without numbering or
    storing them yet: what can fail, fails here, before any number is taken.

    One query checks the members of all of them. The cooperatives' levy versions are read
    from ``Cooperative.levy_rates`` (load them with the cooperatives). Raises what
    :func:`issue_invoice` raises. Stores nothing.
    """
    checked = [(request, checked_rates(request.lines)) for request in requests]
    require_members_of_each(
        {request.cooperative: {line.member_id for line in request.lines} for request in requests}
    )
    drafts = []
    for request, rates in checked:
        cooperative = request.cooperative
        levy_bp = cooperative.levy_bp_on(issue_date)
        if levy_bp is None:
            raise NoLevyRate(f"{cooperative.name} heeft op {issue_date} geen afdracht ingesteld.")
        inputs = [
            SplitInput(line.quantity * line.unit_gross_cents, rate)
            for line, rate in zip(request.lines, rates, strict=True)
        ]
        splits = split_invoice(inputs, levy_bp)
        lines = [
            _invoice_line_values(position, line, rate, split)
            for position, (line, rate, split) in enumerate(
                zip(request.lines, rates, splits, strict=True), 1
            )
        ]
        gross = sum(line["gross_cents"] for line in lines)
        vat = sum(line["vat_cents"] for line in lines)
        values = {
            "cooperative_id": cooperative.id,
            "kind": InvoiceKind.INVOICE.value,
            "corrects_invoice_id": None,
            "credit_reason": "",
            "order_id": request.order_id,
            "issue_date": issue_date,
            "delivery_date": delivery_date,
            "levy_bp": levy_bp,
            "gross_cents": gross,
            "vat_cents": vat,
            "ex_vat_cents": gross - vat,
            **_seller_snapshot(cooperative),
            **_buyer_snapshot(request.buyer),
        }
        drafts.append(InvoiceDraft(cooperative, values, lines))
    return drafts


class IssuedInvoice(NamedTuple):
    """An invoice :func:`store_invoices` just stored: what booking it, linking its lines and
    attaching it to an e-mail need, as plain values (no ORM object is built or read)."""

    id: int
    number: str
    cooperative_id: int
    order_id: int | None
    issue_date: date
    gross_cents: int
    line_ids: list[int]  # by position
    legs: list[tuple[int, int, int, int]]  # (member id, VAT, levy, member) by position


def store_invoices(drafts: Sequence[InvoiceDraft]) -> list[IssuedInvoice]:
    """Number and store drafted invoices; return them, in the order given.

    Each takes the next number of its cooperative's series, in the order given; the numbers
    of one series are taken at once, and the series in the order of the cooperatives' ids,
    so that two transactions never lock two series in opposite orders. All invoices are one
    INSERT, all their lines another (returning their ids, so nothing is read back). Adds and
    flushes; the caller commits.
    """
    if not drafts:
        return []
    created = utcnow()
    series: dict[tuple[int, int], list[int]] = {}
    for index, draft in enumerate(drafts):
        key = (draft.cooperative.id, draft.values["issue_date"].year)
        series.setdefault(key, []).append(index)
    numbers: dict[int, InvoiceNumber] = {}
    for (_, year), indexes in sorted(series.items()):
        taken = take_numbers(drafts[indexes[0]].cooperative, year, len(indexes))
        numbers.update(zip(indexes, taken, strict=True))
    rows = [
        {
            **draft.values,
            "number": numbers[index].text,
            "series_year": numbers[index].year,
            "sequence": numbers[index].sequence,
            "created_at": created,
        }
        for index, draft in enumerate(drafts)
    ]
    # Core INSERTs that return only the new ids, matched back by number and by position
    # (not by the order of RETURNING, which SQLite keeps only row by row).
    invoice_table, line_table = Invoice.__table__, InvoiceLine.__table__
    ids = dict(insert_rows_returning(invoice_table, rows, ("number", "id")))
    line_rows = [
        {**line, "invoice_id": ids[row["number"]]}
        for draft, row in zip(drafts, rows, strict=True)
        for line in draft.lines
    ]
    line_ids = {
        (invoice_id, position): line_id
        for invoice_id, position, line_id in insert_rows_returning(
            line_table, line_rows, ("invoice_id", "position", "id")
        )
    }
    return [
        IssuedInvoice(
            id=ids[row["number"]],
            number=row["number"],
            cooperative_id=row["cooperative_id"],
            order_id=row["order_id"],
            issue_date=row["issue_date"],
            gross_cents=row["gross_cents"],
            line_ids=[line_ids[ids[row["number"]], line["position"]] for line in draft.lines],
            legs=[
                (line["member_id"], line["vat_cents"], line["levy_cents"], line["member_cents"])
                for line in draft.lines
            ],
        )
        for draft, row in zip(drafts, rows, strict=True)
    ]


def issue_credit_note(
    *,
    invoice: Invoice,
    refunds: Sequence[tuple[InvoiceLine, int]],
    issue_date: date,
    reason: str,
) -> Invoice:
    """Issue a credit note taking back ``refund_gross_cents`` of each given line; return it.

    Each refund is split over the line's VAT, levy and member legs with
    :func:`coopshop.money.split_refund`, after what earlier credit notes took back, so credit
    notes that add up to the line reverse every leg exactly. The credit note gets the next
    number of the series, the buyer of the invoice and negative amounts. Raises NotAnInvoice,
    EmptyInvoice, InvalidCreditNote (see :func:`check_refunds`) and RefundExceedsInvoice;
    nothing is stored then and no number is taken. Adds and flushes; the caller commits.
    """
    if invoice.kind != InvoiceKind.INVOICE:
        raise NotAnInvoice(f"{invoice.number} is een creditnota; corrigeer de factuur zelf.")
    check_refunds(invoice, refunds, issue_date, reason)
    # Lock the invoice so that two credit notes at once cannot both take its last euro.
    db.session.execute(select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())
    credit_lines = [
        _credit_line(position, line, _refund_split(line, cents), cents)
        for position, (line, cents) in enumerate(refunds, 1)
    ]
    return _store(
        invoice.cooperative,
        issue_date,
        kind=InvoiceKind.CREDIT_NOTE,
        corrects_invoice_id=invoice.id,
        credit_reason=reason.strip(),
        order_id=invoice.order_id,
        delivery_date=invoice.delivery_date,
        levy_bp=invoice.levy_bp,
        lines=credit_lines,
        **{column: getattr(invoice, column) for column in BUYER_COLUMNS},
    )


def _store(cooperative: Cooperative, issue_date: date, **values: Any) -> Invoice:
    """Take the next number and add the document with its totals and the seller's details."""
    lines: list[InvoiceLine] = values["lines"]
    gross = sum(line.gross_cents for line in lines)
    vat = sum(line.vat_cents for line in lines)
    number = take_next_number(cooperative, issue_date.year)
    invoice = Invoice(
        cooperative_id=cooperative.id,
        number=number.text,
        series_year=number.year,
        sequence=number.sequence,
        issue_date=issue_date,
        gross_cents=gross,
        vat_cents=vat,
        ex_vat_cents=gross - vat,
        **_seller_snapshot(cooperative),
        **values,
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def _refund_split(line: InvoiceLine, refund_cents: int) -> RefundSplit:
    """The legs the refund takes back, after earlier credit notes; raise if too much."""
    try:
        return split_refund(line.split, refund_cents, credited_so_far(line))
    except RefundExceedsLine:
        left = line.gross_cents - credited_so_far(line).gross
        raise RefundExceedsInvoice(
            f"Van regel {line.position} van factuur {line.invoice.number} is nog "
            f"{format_eur(left)} over; {format_eur(refund_cents)} is te veel."
        ) from None
    except InvalidRefund as error:
        raise InvalidCreditNote(str(error)) from None


def _invoice_line(
    position: int, line: InvoiceLineInput, rate: VatRate, split: LineSplit
) -> InvoiceLine:
    return InvoiceLine(**_invoice_line_values(position, line, rate, split))


def _invoice_line_values(
    position: int, line: InvoiceLineInput, rate: VatRate, split: LineSplit
) -> dict[str, Any]:
    return {
        "position": position,
        "member_id": line.member_id,
        "provider_name": line.provider_name,
        "description": line.description,
        "quantity": line.quantity,
        "unit_gross_cents": line.unit_gross_cents,
        "vat_rate": rate.value,
        "corrects_line_id": None,
        **_leg_columns(split.gross, split.vat, split.levy, split.member),
    }


def _credit_line(
    position: int, line: InvoiceLine, part: RefundSplit, refund_cents: int
) -> InvoiceLine:
    """A negative copy of ``line`` for the refunded part; whole units are shown as such."""
    quantity, unit = (1, refund_cents)
    if line.unit_gross_cents > 0 and refund_cents % line.unit_gross_cents == 0:
        quantity, unit = refund_cents // line.unit_gross_cents, line.unit_gross_cents
    return InvoiceLine(
        position=position,
        member_id=line.member_id,
        provider_name=line.provider_name,
        description=line.description,
        quantity=quantity,
        unit_gross_cents=-unit,
        vat_rate=line.vat_rate,
        corrects_line_id=line.id,
        **_leg_columns(-part.gross, -part.vat, -part.levy, -part.member),
    )


def _leg_columns(gross: int, vat: int, levy: int, member: int) -> dict[str, int]:
    return {
        "gross_cents": gross,
        "vat_cents": vat,
        "ex_vat_cents": gross - vat,
        "levy_cents": levy,
        "member_cents": member,
    }


def _seller_snapshot(cooperative: Cooperative) -> dict[str, str]:
    fields = ("name", "street", "postcode", "city", "kvk_number", "vat_id", "iban", "email")
    return {f"seller_{field}": getattr(cooperative, field) for field in fields}


def _buyer_snapshot(buyer: BuyerDetails) -> dict[str, Any]:
    return {column: getattr(buyer, column.removeprefix("buyer_")) for column in BUYER_COLUMNS}
