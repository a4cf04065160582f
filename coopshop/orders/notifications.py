"""The e-mails about orders, queued in the outbox in the transaction of the change.

Invoice and credit note PDFs are attached as ``RenderLater`` attachments: they are rendered
when the outbox is delivered (``coopshop mail send``), not inside the webhook's transaction,
which must stay short because it holds the cooperative's invoice number. For the same reason
the texts of a payment confirmation (the buyer's and each member's) are written then too,
from the order, which no longer changes what they show once it is paid.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from flask import render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from coopshop.accounts.models import User
from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from coopshop.invoicing.models import Invoice, InvoiceKind
from coopshop.invoicing.pdf import render_invoice_pdf
from coopshop.invoicing.queries import invoice_by_number
from coopshop.invoicing.services import IssuedInvoice
from coopshop.mail.services import (
    Attachment,
    Email,
    RenderLater,
    queue_email,
    queue_emails,
)
from coopshop.orders.links import external_url, order_link
from coopshop.orders.models import Order, OrderLine

INVOICE_PDF = "invoice-pdf"
# The e-mails of a payment confirmation, written when the outbox is delivered.
CONFIRMATION = "order-confirmation"
MEMBER_NOTICE = "order-member-notice"


def render_invoice_attachment(number: str) -> bytes:
    """The PDF of invoice or credit note ``number``, for an outbox attachment."""
    invoice = invoice_by_number(number)
    if invoice is None:
        raise LookupError(f"no invoice {number}")
    return render_invoice_pdf(invoice)


def pdf_attachments(documents: Iterable[Invoice | IssuedInvoice]) -> list[Attachment]:
    return [
        (f"{document.number}.pdf", "application/pdf", RenderLater(INVOICE_PDF, document.number))
        for document in documents
    ]


def member_addresses(member_ids: Iterable[int]) -> dict[int, str]:
    """The members' e-mail addresses (their log-in), by member id: one query."""
    rows = db.session.execute(_member_addresses(), {"ids": sorted(set(member_ids))})
    return {member_id: email for member_id, email in rows}


@cache
def _member_addresses() -> Any:
    return (
        select(Member.id, User.email)
        .join(User, User.id == Member.user_id)
        .where(Member.id.in_(bindparam("ids", expanding=True)))
    )


def members_of(lines: Iterable[OrderLine]) -> dict[int, Member]:
    ids = {line.member_id for line in lines}
    query = select(Member).where(Member.id.in_(ids)).options(joinedload(Member.user))
    return {member.id: member for member in db.session.scalars(query)}


def members_notified(orders: Sequence[Order]) -> None:
    """Each member's notice of the lines they have to handle in each of ``orders`` (no
    invoice details in it), written when the outbox is delivered; all of them one INSERT."""
    addresses = member_addresses({line.member_id for order in orders for line in order.lines})
    emails = []
    for order in orders:
        subject = _("Nieuwe bestelling %(reference)s", reference=order.reference)
        link = external_url("member_orders.order", reference=order.reference)
        for member_id in dict.fromkeys(line.member_id for line in order.lines):
            key = _render_key(order=order.reference, member=member_id, link=link)
            emails.append(Email(addresses[member_id], subject, RenderLater(MEMBER_NOTICE, key)))
    queue_emails(emails)


def orders_confirmed(confirmed: Sequence[tuple[Order, list[IssuedInvoice]]]) -> None:
    """Each buyer's confirmation, with the order's invoices attached, written when the
    outbox is delivered."""
    queue_emails(
        [
            Email(
                order.email,
                _("Bedankt voor uw bestelling %(reference)s", reference=order.reference),
                RenderLater(
                    CONFIRMATION, _render_key(order=order.reference, link=order_link(order))
                ),
                pdf_attachments(invoices),
            )
            for order, invoices in confirmed
        ]
    )


def _render_key(**values: object) -> str:
    """What a body rendered later needs: the ids to read, the links (made now, while the
    request says which host we are) and the language of the moment."""
    return json.dumps({**values, "locale": str(get_locale() or "nl")}, separators=(",", ":"))


def render_confirmation(key: str) -> str:
    """The buyer's confirmation of a paid order (``orders_confirmed``), at delivery."""
    values = json.loads(key)
    order = _order(values["order"])
    invoices = db.session.scalars(
        select(Invoice)
        .where(Invoice.order_id == order.id, Invoice.kind == InvoiceKind.INVOICE)
        .order_by(Invoice.id)
    ).all()
    with force_locale(values["locale"]):
        return render_template(
            "orders/mail/confirmation.txt", order=order, invoices=invoices, link=values["link"]
        )


def _order(reference: str) -> Order:
    # Not orders.queries.order_by_reference: that module imports refunds, which imports
    # this one (a cycle when the app is imported first, as gunicorn does).
    order = db.session.scalar(select(Order).where(Order.reference == reference))
    if order is None:
        raise LookupError(f"no order {reference}")
    return order


def render_member_notice(key: str) -> str:
    """A member's notice of their lines in a paid order (``members_notified``), at
    delivery."""
    values = json.loads(key)
    order = _order(values["order"])
    member = db.session.get(Member, values["member"])
    if member is None:
        raise LookupError(f"no member {values['member']}")
    with force_locale(values["locale"]):
        return render_template(
            "orders/mail/member_new_order.txt",
            order=order,
            member=member,
            lines=[line for line in order.lines if line.member_id == member.id],
            link=values["link"],
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
