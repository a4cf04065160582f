"""Confirming a payment: the order is paid, its reservations become sales, and each
cooperative in the order issues one invoice, booked in the ledger, in one transaction.

Runs inside the webhook handler's transaction: adds and flushes, never commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from functools import cache
from itertools import groupby
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from coopshop.cooperatives.models import Cooperative
from coopshop.extensions import db
from coopshop.invoicing.booking import book_invoices, prepare_invoice_booking
from coopshop.invoicing.inputs import BuyerDetails, InvoiceLineInput
from coopshop.invoicing.services import (
    InvoiceRequest,
    IssuedInvoice,
    draft_invoices,
    store_invoices,
)
from coopshop.models_base import utcnow
from coopshop.money import from_stripe_amount
from coopshop.orders import notifications, stock
from coopshop.orders.calendar import today
from coopshop.orders.checkout import SHIPPING_LABEL
from coopshop.orders.errors import OutOfStock
from coopshop.orders.history import PAYMENT_PROVIDER, change_orders_and_lines, record
from coopshop.orders.models import Order, OrderLine, OrderState
from coopshop.orders.refunds import refund_late_payment
from coopshop.payments.gateway import CURRENCY

log = logging.getLogger(__name__)
PAYABLE_STATES = frozenset({OrderState.AWAITING_PAYMENT, OrderState.EXPIRED, OrderState.FAILED})


def confirm_payments(payments: Sequence[tuple[Order, dict[str, Any]]]) -> list[IssuedInvoice]:
    """The provider says each checkout ``session`` (a Stripe ``checkout.session``) is paid,
    for its order (locked, lines loaded; each order once): the payment webhook's batch.

    An order that is paid already changes nothing (retries, a second event for the same
    payment). The amount must be the order's total in euros, or nothing is confirmed for that
    order and the mismatch is recorded for the cooperative to look into. A payment that
    arrives after the order expired or failed takes the stock again when it can, and is
    refunded at once when it cannot. The orders confirmed are paid together: their invoices
    numbered, stored and booked with one statement per table. Returns the invoices issued.
    Adds and flushes.
    """
    return _mark_paid([(order, session) for order, session in payments if _payable(order, session)])


def _payable(order: Order, session: dict[str, Any]) -> bool:
    if order.state not in PAYABLE_STATES:
        return False
    if not _amount_matches(order, session):
        return False
    if order.state != OrderState.AWAITING_PAYMENT:
        try:
            stock.reserve_all(order.lines)
        except OutOfStock:
            refund_late_payment(order, session)
            return False
    return True


def _amount_matches(order: Order, session: dict[str, Any]) -> bool:
    amount = session.get("amount_total")
    paid = from_stripe_amount(amount) if type(amount) is int and amount >= 0 else None
    if paid == order.total_cents and session.get("currency") == CURRENCY:
        return True
    log.error(
        "Order %s: paid %r %r, expected %s",
        order.reference,
        amount,
        session.get("currency"),
        order.total_cents,
    )
    record(
        order,
        "amount_mismatch",
        PAYMENT_PROVIDER,
        reason=f"{session.get('id')}: {amount} {session.get('currency')}",
        amount_cents=paid,
    )
    return False


def _mark_paid(payments: list[tuple[Order, dict[str, Any]]]) -> list[IssuedInvoice]:
    if not payments:
        return []
    paid_at = utcnow()
    for order, session in payments:
        order.checkout_session_id = session.get("id") or order.checkout_session_id
        order.payment_intent_id = session.get("payment_intent")
        order.paid_cents, order.paid_at = order.total_cents, paid_at
    orders = [order for order, _ in payments]
    # The lines' new states are set with their invoice links below: one UPDATE for all lines.
    line_states = change_orders_and_lines(
        orders, "pay", "pay", PAYMENT_PROVIDER, set_line_states=False
    )
    # Everything that needs no invoice number comes first: taking a number locks the
    # cooperative's series until the commit, and every other payment to that cooperative
    # waits for it.
    notifications.members_notified(orders)
    states = {
        line.id: state
        for order, order_states in zip(orders, line_states, strict=True)
        for line, state in zip(order.lines, order_states, strict=True)
    }
    invoices = issue_invoices(orders, states)
    per_order: dict[int, list[IssuedInvoice]] = {order.id: [] for order in orders}
    for invoice in invoices:
        per_order[invoice.order_id].append(invoice)
    notifications.orders_confirmed([(order, per_order[order.id]) for order in orders])
    return invoices


def buyer_details(order: Order) -> BuyerDetails:
    return BuyerDetails(
        name=order.name,
        email=order.email,
        street=order.street,
        postcode=order.postcode,
        city=order.city,
        company_name=order.company_name,
        kvk_number=order.kvk_number,
        vat_id=order.vat_id,
        purchase_order_reference=order.purchase_order_reference,
        user_id=order.user_id,
    )


def issue_invoices(
    orders: list[Order], line_states: dict[int, str] | None = None
) -> list[IssuedInvoice]:
    """One invoice per cooperative in each order, each booked in the ledger; every order line
    is linked to its invoice line (and to its shipping line), its reservation becomes a sale
    and (with ``line_states``, by line id) it takes its new state, in one UPDATE of all the
    lines. Adds and flushes.

    Everything that can be read or checked before the numbers are taken is done first (the
    members, the levies, the ledger accounts and periods): a number locks its cooperative's
    series until the commit, so the part after it is kept to the inserts.
    """
    issue_date = today()
    cooperatives = _cooperatives(orders)
    groups = [
        (order, cooperative_id, lines)
        for order in orders
        for cooperative_id, lines in _by_cooperative(order.lines)
    ]
    buyers = {order.id: buyer_details(order) for order in orders}
    requests = [
        InvoiceRequest(
            cooperative=cooperatives[cooperative_id],
            buyer=buyers[order.id],
            lines=[item for line in lines for item in invoice_inputs(line)],
            order_id=order.id,
        )
        for order, cooperative_id, lines in groups
    ]
    drafts = draft_invoices(requests, issue_date=issue_date, delivery_date=issue_date)
    prepared = prepare_invoice_booking(drafts)
    invoices = store_invoices(drafts)
    book_invoices(invoices, prepared=prepared)
    _link_lines(
        [(lines, invoice) for (_, _, lines), invoice in zip(groups, invoices, strict=True)],
        line_states or {},
    )
    return invoices


def invoice_inputs(line: OrderLine) -> list[InvoiceLineInput]:
    """The goods, and the shipping as a line of its own at the goods' VAT rate."""
    goods = InvoiceLineInput(
        member_id=line.member_id,
        provider_name=line.member_name,
        description=line.title,
        quantity=line.quantity,
        unit_gross_cents=line.unit_price_cents,
        vat_rate=line.vat_rate,
    )
    if not line.shipping_cents:
        return [goods]
    shipping = InvoiceLineInput(
        member_id=line.member_id,
        provider_name=line.member_name,
        description=SHIPPING_LABEL,
        quantity=1,
        unit_gross_cents=line.shipping_cents,
        vat_rate=line.vat_rate,
    )
    return [goods, shipping]


def _by_cooperative(lines: list[OrderLine]) -> Iterator[tuple[int, list[OrderLine]]]:
    """Lines grouped per cooperative, in the order of the cooperatives' ids.

    Always the same order within an order (``store_invoices`` takes the numbers of several
    orders series by series, in the order of the cooperatives' ids).
    """
    ordered = sorted(lines, key=lambda line: (line.cooperative_id, line.position))
    for cooperative_id, group in groupby(ordered, key=lambda line: line.cooperative_id):
        yield cooperative_id, list(group)


def _cooperatives(orders: list[Order]) -> dict[int, Cooperative]:
    ids = {line.cooperative_id for order in orders for line in order.lines}
    # The levy versions too: issuing reads them, one lazy query per cooperative otherwise.
    query = (
        select(Cooperative)
        .where(Cooperative.id.in_(ids))
        .options(joinedload(Cooperative.levy_rates))
    )
    found = db.session.scalars(query).unique()
    return {cooperative.id: cooperative for cooperative in found}


LINKED_COLUMNS = (
    "state",
    "stock_state",
    "invoice_id",
    "invoice_line_id",
    "shipping_invoice_line_id",
)


def _link_lines(
    issued: list[tuple[list[OrderLine], IssuedInvoice]], states: dict[int, str]
) -> None:
    """Each line's new state, its sale and its invoice lines, written with one executemany
    (every row with every column, so it stays one statement) and set on the objects as
    written."""
    rows = []
    for lines, invoice in issued:
        invoice_lines = iter(invoice.line_ids)
        for line in lines:
            stock.sell(line)
            values = {
                "state": states.get(line.id, line.state),
                "stock_state": line.stock_state,
                "invoice_id": invoice.id,
                "invoice_line_id": next(invoice_lines),
                "shipping_invoice_line_id": (
                    next(invoice_lines) if line.shipping_cents else line.shipping_invoice_line_id
                ),
            }
            rows.append(
                {"line_id": line.id, **{f"new_{key}": value for key, value in values.items()}}
            )
            for key, value in values.items():
                set_committed_value(line, key, value)
    db.session.execute(_link_statement(), rows)


@cache
def _link_statement() -> Any:
    """Built once: building the statement costs more than running it."""
    table = OrderLine.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("line_id"))
        .values({column: bindparam(f"new_{column}") for column in LINKED_COLUMNS})
    )
