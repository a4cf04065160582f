"""Reading orders for their pages: the buyer's, a member's own lines, a cooperative's lines."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select

from coopshop.extensions import db
from coopshop.invoicing.models import Invoice
from coopshop.orders.access import token_matches
from coopshop.orders.errors import OrderNotFound
from coopshop.orders.models import Order, OrderEvent, OrderLine, OrderRefund, RefundState
from coopshop.orders.refunds import refunded_per_line, remaining_cents
from coopshop.orders.states import cancellable, member_actions

PER_PAGE = 30


def order_by_link(reference: str, token: str) -> Order:
    """The order of a secret link; raises OrderNotFound for a wrong reference or token."""
    order = db.session.scalar(select(Order).where(Order.reference == reference))
    if order is None or not token_matches(reference, token):
        raise OrderNotFound()
    return order


def order_by_reference(reference: str) -> Order:
    order = db.session.scalar(select(Order).where(Order.reference == reference))
    if order is None:
        raise OrderNotFound()
    return order


def orders_of_user(user_id: int) -> Select[tuple[Order]]:
    return select(Order).where(Order.user_id == user_id).order_by(Order.id.desc())


def orders_with_lines(*criteria: object) -> Select[tuple[Order]]:
    """Paid (or later) orders with at least one line matching ``criteria``, newest first."""
    having = select(OrderLine.order_id).where(*criteria)  # type: ignore[arg-type]
    return (
        select(Order)
        .where(Order.id.in_(having), Order.paid_at.is_not(None))
        .order_by(Order.paid_at.desc(), Order.id.desc())
    )


@dataclass(frozen=True)
class LineView:
    """A line with what was refunded, what is left, and what may be done with it now."""

    line: OrderLine
    refunded_cents: int
    remaining_cents: int
    actions: list[str]


@dataclass(frozen=True)
class OrderView:
    order: Order
    lines: list[LineView]
    documents: list[Invoice]
    refunded_cents: int
    can_cancel: bool


def order_view(order: Order, lines: list[OrderLine] | None = None) -> OrderView:
    """The order (or only ``lines`` of it) as its pages show it, with its invoices and credit
    notes (only those about the shown lines' cooperatives)."""
    shown = order.lines if lines is None else lines
    refunded = refunded_per_line(order)
    views = [
        LineView(
            line,
            refunded.get(line.id, 0),
            remaining_cents(line) if line.invoice_id else 0,
            member_actions(line.state),
        )
        for line in shown
    ]
    cooperatives = {line.cooperative_id for line in shown}
    return OrderView(
        order=order,
        lines=views,
        documents=[d for d in documents_of(order) if d.cooperative_id in cooperatives],
        refunded_cents=sum(view.refunded_cents for view in views),
        can_cancel=cancellable([line.state for line in order.lines]),
    )


def documents_of(order: Order) -> list[Invoice]:
    """The order's invoices and credit notes, in the order they were issued."""
    query = select(Invoice).where(Invoice.order_id == order.id).order_by(Invoice.id)
    return list(db.session.scalars(query))


def history(view: OrderView) -> dict[str, object]:
    """The events about the shown lines and about the order as a whole, oldest first, and
    each shown line's title (for the template's ``_history.html``)."""
    titles = {item.line.id: item.line.title for item in view.lines}
    query = select(OrderEvent).where(OrderEvent.order_id == view.order.id).order_by(OrderEvent.id)
    events = [
        event
        for event in db.session.scalars(query)
        if event.order_line_id is None or event.order_line_id in titles
    ]
    return {"events": events, "line_titles": titles}


def late_refunds(order: Order) -> list[OrderRefund]:
    """Refunds of a payment that came after the order had expired."""
    return [
        refund
        for refund in order.refunds
        if refund.order_line_id is None and refund.state == RefundState.DONE
    ]
