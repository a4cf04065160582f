"""The e-mails about orders, queued in the outbox in the transaction of the change.

Invoice and credit note PDFs are attached as ``RenderLater`` attachments: they are rendered
when the outbox is delivered (``coopshop mail send``), not inside the webhook's transaction,
which must stay short because it holds the cooperative's invoice number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from coopshop.invoicing.models import Invoice
from coopshop.invoicing.pdf import render_invoice_pdf
from coopshop.invoicing.queries import invoice_by_number
from coopshop.mail.services import (
    Attachment,
    RenderLater,
    queue_email,
    queue_emails,
    render_email,
)
from coopshop.orders.links import external_url, order_link
from coopshop.orders.models import Order, OrderLine

INVOICE_PDF = "invoice-pdf"


def render_invoice_attachment(number: str) -> bytes:
    """The PDF of invoice or credit note ``number``, for an outbox attachment."""
    invoice = invoice_by_number(number)
    if invoice is None:
        raise LookupError(f"no invoice {number}")
    return render_invoice_pdf(invoice)


def pdf_attachments(documents: Iterable[Invoice]) -> list[Attachment]:
    return [
        (f"{document.number}.pdf", "application/pdf", RenderLater(INVOICE_PDF, document.number))
        for document in documents
    ]


def members_of(lines: Iterable[OrderLine]) -> dict[int, Member]:
    ids = {line.member_id for line in lines}
    query = select(Member).where(Member.id.in_(ids)).options(joinedload(Member.user))
    return {member.id: member for member in db.session.scalars(query)}


def members_notified(orders: Sequence[Order]) -> None:
    """Each member's notice of the lines they have to handle in each of ``orders`` (no
    invoice details in it); all members read with one query, all notices one INSERT."""
    members = members_of(line for order in orders for line in order.lines)
    emails = []
    for order in orders:
        subject = _("Nieuwe bestelling %(reference)s", reference=order.reference)
        link = external_url("member_orders.order", reference=order.reference)
        for member_id in dict.fromkeys(line.member_id for line in order.lines):
            member = members[member_id]
            emails.append(
                render_email(
                    member.user.email,
                    subject,
                    "orders/mail/member_new_order.txt",
                    order=order,
                    member=member,
                    lines=[line for line in order.lines if line.member_id == member_id],
                    link=link,
                )
            )
    queue_emails(emails)


def orders_confirmed(confirmed: Sequence[tuple[Order, list[Invoice]]]) -> None:
    """Each buyer's confirmation, with the order's invoices attached."""
    queue_emails(
        [
            render_email(
                order.email,
                _("Bedankt voor uw bestelling %(reference)s", reference=order.reference),
                "orders/mail/confirmation.txt",
                attachments=pdf_attachments(invoices),
                order=order,
                invoices=invoices,
                link=order_link(order),
            )
            for order, invoices in confirmed
        ]
    )


def line_changed(line: OrderLine, credit_notes: list[Invoice] | None = None) -> None:
    """Tell the buyer that a member accepted, delivered or declined a line."""
    order = line.order
    queue_email(
        order.email,
        _("Nieuws over uw bestelling %(reference)s", reference=order.reference),
        "orders/mail/line_changed.txt",
        attachments=pdf_attachments(credit_notes or []),
        order=order,
        line=line,
        link=order_link(order),
    )


def order_cancelled(order: Order, lines: list[OrderLine], credit_notes: list[Invoice]) -> None:
    """The buyer's confirmation of the cancellation (credit notes attached), and a notice to
    each member whose lines were cancelled."""
    queue_email(
        order.email,
        _("Uw bestelling %(reference)s is geannuleerd", reference=order.reference),
        "orders/mail/cancelled.txt",
        attachments=pdf_attachments(credit_notes),
        order=order,
        lines=lines,
        link=order_link(order),
    )
    for member in members_of(lines).values():
        queue_email(
            member.user.email,
            _("Bestelling %(reference)s is geannuleerd", reference=order.reference),
            "orders/mail/member_cancelled.txt",
            order=order,
            lines=[line for line in lines if line.member_id == member.id],
            link=external_url("member_orders.order", reference=order.reference),
        )


def refunded(line: OrderLine, amount_cents: int, credit_notes: list[Invoice]) -> None:
    """Tell the buyer about a refund the cooperative made on a line."""
    order = line.order
    queue_email(
        order.email,
        _("Terugbetaling voor bestelling %(reference)s", reference=order.reference),
        "orders/mail/refunded.txt",
        attachments=pdf_attachments(credit_notes),
        order=order,
        line=line,
        amount_cents=amount_cents,
        link=order_link(order),
    )


def late_payment_refunded(order: Order, amount_cents: int) -> None:
    """The payment came after the order had expired and the stock was gone: all of it is
    given back."""
    queue_email(
        order.email,
        _("Uw betaling voor %(reference)s wordt teruggestort", reference=order.reference),
        "orders/mail/late_payment_refunded.txt",
        order=order,
        amount_cents=amount_cents,
    )
