"""Sale and refund entries, from plain values (DESIGN.md §3).

The arithmetic is the money core's (:func:`coopshop.money.split_invoice` and
:func:`coopshop.money.split_refund`); this module only turns its legs into postings. Every VAT,
levy and member leg is booked per member and tagged with the member's id, so that statements
can show what each member earned, paid in VAT and gave to the support fund.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from coopshop.ledger.accounts import PSP_CLEARING, member_payable, support_fund, vat_payable
from coopshop.ledger.models import EntryKind, JournalEntry, Leg
from coopshop.ledger.services import Line, post_entry
from coopshop.money import (
    NO_REFUND,
    InvoiceLineInput,
    LineSplit,
    RefundSplit,
    VatRate,
    split_invoice,
    split_refund,
)

# (vat, levy, member) cents of one member on one entry.
MemberLegs = tuple[int, int, int]


@dataclass(frozen=True)
class SaleLine:
    """One invoice line: the member who provides it, its gross including VAT, its VAT rate."""

    member_id: int
    gross_cents: int
    vat_rate: VatRate | int | str


def post_sale(
    *,
    cooperative_id: int,
    invoice_reference: str,
    booking_date: date,
    levy_bp: int,
    lines: Sequence[SaleLine],
    invoice_id: int | None = None,
    order_id: int | None = None,
) -> JournalEntry:
    """Book a paid invoice under reference ``sale:<invoice_reference>`` and return the entry.

    The postings are :func:`sale_lines`. Raises what :func:`split_invoice` and
    :func:`post_entry` raise. Adds and flushes; the caller commits.
    """
    return post_entry(
        kind=EntryKind.SALE,
        reference=f"sale:{invoice_reference}",
        booking_date=booking_date,
        lines=sale_lines(cooperative_id, levy_bp, lines),
        cooperative_id=cooperative_id,
        description=f"Verkoop {invoice_reference}",
        invoice_id=invoice_id,
        order_id=order_id,
    )


def sale_lines(cooperative_id: int, levy_bp: int, lines: Sequence[SaleLine]) -> list[Line]:
    """The postings of a sale: debit psp_clearing with the gross; per member, credit VAT
    payable, the support fund and the member's payable with that member's legs.

    Zero legs are left out (an exempt line has no VAT). Pure: no database.
    """
    inputs = [InvoiceLineInput(line.gross_cents, VatRate.parse(line.vat_rate)) for line in lines]
    splits = split_invoice(inputs, levy_bp)
    legs = sum_per_member(
        [line.member_id for line in lines], [(s.vat, s.levy, s.member) for s in splits]
    )
    gross = sum(split.gross for split in splits)
    return [Line(PSP_CLEARING, gross, None, Leg.GROSS), *member_lines(cooperative_id, legs, -1)]


def post_refund(
    *,
    cooperative_id: int,
    reference: str,
    booking_date: date,
    original_lines: Sequence[LineSplit],
    member_ids: Sequence[int],
    refund_gross_per_line: Sequence[int],
    already_refunded_per_line: Sequence[RefundSplit] | None = None,
    invoice_id: int | None = None,
    order_id: int | None = None,
) -> JournalEntry:
    """Book a refund of (part of) an invoice's lines under ``reference`` and return the entry.

    The postings are :func:`refund_lines`. Raises what they and :func:`post_entry` raise.
    Adds and flushes; the caller commits.
    """
    return post_entry(
        kind=EntryKind.REFUND,
        reference=reference,
        booking_date=booking_date,
        lines=refund_lines(
            cooperative_id,
            original_lines,
            member_ids,
            refund_gross_per_line,
            already_refunded_per_line,
        ),
        cooperative_id=cooperative_id,
        description=f"Terugbetaling {reference}",
        invoice_id=invoice_id,
        order_id=order_id,
    )


def refund_lines(
    cooperative_id: int,
    original_lines: Sequence[LineSplit],
    member_ids: Sequence[int],
    refund_gross_per_line: Sequence[int],
    already_refunded_per_line: Sequence[RefundSplit] | None = None,
) -> list[Line]:
    """The postings of a refund: credit psp_clearing with the total; per member, debit VAT
    payable, the support fund and the member's payable with what the refund takes back.

    Each line's refund is split over its VAT, levy and member legs with :func:`split_refund`,
    after what was refunded of it before; lines refunded by 0 are skipped. Raises
    InvalidRefund or RefundExceedsLine from the money core and ValueError if the sequences
    differ in length. Pure: no database.
    """
    already = already_refunded_per_line or [NO_REFUND] * len(original_lines)
    parts = [
        split_refund(original, refund, done) if refund else NO_REFUND
        for original, refund, done in zip(
            original_lines, refund_gross_per_line, already, strict=True
        )
    ]
    legs = sum_per_member(member_ids, [(part.vat, part.levy, part.member) for part in parts])
    total = sum(part.gross for part in parts)
    return [Line(PSP_CLEARING, -total, None, Leg.GROSS), *member_lines(cooperative_id, legs, 1)]


def sum_per_member(
    member_ids: Sequence[int], line_legs: Sequence[MemberLegs]
) -> dict[int, MemberLegs]:
    """Add up the (vat, levy, member) legs of each member's lines, in order of appearance."""
    totals: dict[int, MemberLegs] = {}
    for member_id, (vat, levy, member) in zip(member_ids, line_legs, strict=True):
        before = totals.get(member_id, (0, 0, 0))
        totals[member_id] = (before[0] + vat, before[1] + levy, before[2] + member)
    return totals


def member_lines(cooperative_id: int, legs: dict[int, MemberLegs], sign: int) -> list[Line]:
    """Each member's VAT, levy and member postings (``sign`` -1 credits, 1 debits)."""
    lines = []
    for member_id, (vat, levy, member) in legs.items():
        for account, amount, leg in (
            (vat_payable(cooperative_id), vat, Leg.VAT),
            (support_fund(cooperative_id), levy, Leg.LEVY),
            (member_payable(member_id), member, Leg.MEMBER),
        ):
            if amount:
                lines.append(Line(account, sign * amount, member_id, leg))
    return lines
