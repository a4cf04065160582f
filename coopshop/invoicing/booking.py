"""Booking issued invoices and credit notes in the ledger, from their stored legs.

The postings are exactly the legs stored on the document's lines, never recomputed, so the
ledger and the invoice cannot disagree by a cent. Accounts and leg tags are those of
:func:`coopshop.ledger.flows.sale_lines` (whose per-member helpers are reused here): debit the
clearing account with the gross; per member, credit VAT payable, the support fund and the
member's payable. A credit note has negative legs, so the same postings come out reversed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from coopshop.extensions import db
from coopshop.invoicing.errors import NotAnInvoice
from coopshop.invoicing.models import Invoice, InvoiceKind
from coopshop.ledger.accounts import PSP_CLEARING
from coopshop.ledger.flows import member_lines, sum_per_member
from coopshop.ledger.models import EntryKind, JournalEntry, Leg
from coopshop.ledger.services import (
    Line,
    NewEntry,
    PreparedBooking,
    open_booking_date,
    period_of,
    post_entries,
    post_entry,
    prepare_booking,
)

if TYPE_CHECKING:
    from coopshop.invoicing.services import InvoiceDraft, IssuedInvoice


def book_invoice(invoice: Invoice, *, debit_account: str = PSP_CLEARING) -> JournalEntry:
    """Book a paid invoice under reference ``invoice:<number>`` on its issue date.

    ``debit_account`` holds the gross: the payment provider's clearing account by default,
    a cooperative's ``buyer_receivable`` for an invoice paid by bank transfer. Raises
    NotAnInvoice for a credit note, and what :func:`post_entry` raises (PeriodClosed, ...);
    booking the same invoice again returns the entry booked before. Adds and flushes.
    """
    if invoice.kind != InvoiceKind.INVOICE:
        raise NotAnInvoice(f"{invoice.number} is een creditnota; boek die als creditnota.")
    return _book(invoice, EntryKind.SALE, f"invoice:{invoice.number}", debit_account)


def book_credit_note(credit_note: Invoice, *, credit_account: str = PSP_CLEARING) -> JournalEntry:
    """Book a credit note under reference ``credit:<number>`` on its issue date, or on the
    first day of the next open period if the cooperative has closed the issue date's period.

    Reverses exactly the legs stored on the credit note: credit ``credit_account`` with the
    refunded gross; per member, debit VAT payable, the support fund and the member's payable.
    Raises NotAnInvoice for an invoice, and what :func:`post_entry` raises. Adds and flushes.
    """
    if credit_note.kind != InvoiceKind.CREDIT_NOTE:
        raise NotAnInvoice(f"{credit_note.number} is geen creditnota.")
    return _book(credit_note, EntryKind.REFUND, f"credit:{credit_note.number}", credit_account)


def book_invoices(
    invoices: Sequence[IssuedInvoice],
    *,
    debit_account: str = PSP_CLEARING,
    prepared: PreparedBooking | None = None,
) -> list[int]:
    """:func:`book_invoice` for several invoices just issued (``store_invoices``) at once;
    returns the entries' ids.

    The postings are the same; :func:`coopshop.ledger.services.post_entries` books them all
    with a few statements, and with ``prepared`` (:func:`prepare_invoice_booking`, called
    before the numbers were taken) without reading the accounts and periods again.
    """
    entries = [
        NewEntry(
            kind=EntryKind.SALE,
            reference=f"invoice:{invoice.number}",
            booking_date=invoice.issue_date,
            lines=leg_postings(
                invoice.cooperative_id, invoice.gross_cents, invoice.legs, debit_account
            ),
            cooperative_id=invoice.cooperative_id,
            description=f"Factuur {invoice.number}",
            links={"invoice_id": invoice.id, "order_id": invoice.order_id},
        )
        for invoice in invoices
    ]
    return post_entries(entries, prepared)


def prepare_invoice_booking(
    drafts: Sequence[InvoiceDraft], *, debit_account: str = PSP_CLEARING
) -> PreparedBooking:
    """Read the accounts and check the periods that booking these drafts will need, so that
    it takes no query of its own once their numbers are taken (and locked)."""
    postings = [posting for draft in drafts for posting in draft.postings(debit_account)]
    periods = {(draft.cooperative.id, period_of(draft.values["issue_date"])) for draft in drafts}
    return prepare_booking([posting.account for posting in postings], periods)


def document_postings(document: Invoice, counter_account: str = PSP_CLEARING) -> list[Line]:
    """The postings of a document's stored legs (negative on a credit note). Pure."""
    legs = [
        (line.member_id, line.vat_cents, line.levy_cents, line.member_cents)
        for line in document.lines
    ]
    return leg_postings(document.cooperative_id, document.gross_cents, legs, counter_account)


def leg_postings(
    cooperative_id: int,
    gross_cents: int,
    legs: Sequence[tuple[int, int, int, int]],
    counter_account: str,
) -> list[Line]:
    """The postings of a document from its lines' (member, vat, levy, member) legs. Pure."""
    per_member = sum_per_member(
        [member_id for member_id, _, _, _ in legs],
        [(vat, levy, member) for _, vat, levy, member in legs],
    )
    gross = Line(counter_account, gross_cents, None, Leg.GROSS)
    return [gross, *member_lines(cooperative_id, per_member, -1)]


def _book(document: Invoice, kind: str, reference: str, counter_account: str) -> JournalEntry:
    label = "Creditnota" if document.is_credit_note else "Factuur"
    booking_date = document.issue_date
    if document.is_credit_note:
        # A credit note dated in a month the cooperative has closed corrects that month from
        # the next open one; the settlement there lists it as a correction. A repeated booking
        # keeps the date it was first booked on, so retries stay harmless after a close.
        booked_on = db.session.scalar(
            select(JournalEntry.booking_date).where(JournalEntry.reference == reference)
        )
        booking_date = booked_on or open_booking_date(document.cooperative_id, booking_date)
    return post_entry(
        kind=kind,
        reference=reference,
        booking_date=booking_date,
        lines=document_postings(document, counter_account),
        cooperative_id=document.cooperative_id,
        description=f"{label} {document.number}",
        invoice_id=document.id,
        order_id=document.order_id,
    )
