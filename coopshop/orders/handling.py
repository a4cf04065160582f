"""Handling a paid order: the member accepts, delivers or declines a line, the buyer cancels,
the cooperative refunds. Each use case locks the order, writes its status events and e-mails
and commits once; a refund goes through the provider and gets a booked credit note.

E-mails wait in the outbox for ``coopshop mail send``: rendering the PDFs they carry does not
belong in a click.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from coopshop.invoicing.models import Invoice
from coopshop.orders import notifications, stock
from coopshop.orders.errors import OrderNotFound, ReasonRequired, TransitionNotAllowed
from coopshop.orders.history import Actor, change_line, change_order
from coopshop.orders.models import Order, OrderLine, OrderRefund, OrderState
from coopshop.orders.refunds import LineRefund, refund_lines, remaining_cents
from coopshop.orders.states import LINE_TRANSITIONS, allowed, settled_order_action

CANCELLED_BY_BUYER = "Geannuleerd door de klant"


@contextmanager
def use_case() -> Iterator[None]:
    """Commit what the block did, or roll all of it back when it raises."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def locked_order(order_id: int) -> Order:
    """The order, locked until the commit (PostgreSQL: FOR UPDATE), with its lines fresh.

    Every change of an order goes through this lock, so a member's click, the buyer's
    cancellation and a webhook about the same order take turns.
    """
    query = (
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    order = db.session.scalars(query).one()
    db.session.scalars(
        select(OrderLine)
        .where(OrderLine.order_id == order.id)
        .execution_options(populate_existing=True)
    ).all()
    return order


def member_line(member: Member, line_id: int) -> OrderLine:
    """One of the member's own lines; another member's gives OrderNotFound (ids say nothing)."""
    line = db.session.get(OrderLine, line_id)
    if line is None or line.member_id != member.id:
        raise OrderNotFound()
    return line


def handle_line(
    member: Member, line_id: int, action: str, actor: Actor, reason: str = ""
) -> OrderLine:
    """The member's ``accept``, ``deliver`` or ``decline`` on one of their lines.

    Declining needs a reason, refunds what is left of the line (with a credit note) and puts
    the line's quantity back in stock.
    Raises OrderNotFound, ReasonRequired, TransitionNotAllowed and what refunding raises
    (PaymentProviderError); then nothing changes. Commits once.
    """
    if action not in ("accept", "deliver", "decline"):
        raise TransitionNotAllowed()
    if action == "decline" and not reason.strip():
        raise ReasonRequired()
    with use_case():
        order = locked_order(member_line(member, line_id).order_id)
        line = next(line for line in order.lines if line.id == line_id)
        if not allowed(LINE_TRANSITIONS, action, line.state):
            raise TransitionNotAllowed()
        credit_notes = (
            give_back(order, [line], reason.strip(), actor) if action == "decline" else []
        )
        if action == "decline":
            line.decline_reason = reason.strip()
            # Never delivered: the reserved item goes back on the shelf, as on a cancellation.
            stock.return_to_stock(line)
        change_line(line, action, actor, reason.strip())
        settle(order, actor)
        notifications.line_changed(line, credit_notes)
    return line


def cancel_order(order_id: int, actor: Actor, reason: str = "") -> list[OrderLine]:
    """The buyer cancels every line that is paid but not yet delivered or declined.

    Each is refunded in full (credit notes per invoice) and goes back in stock. Raises
    TransitionNotAllowed when nothing can be cancelled, and what refunding raises; then
    nothing changes. Commits once.
    """
    reason = reason.strip() or CANCELLED_BY_BUYER
    with use_case():
        order = locked_order(order_id)
        lines = [line for line in order.lines if allowed(LINE_TRANSITIONS, "cancel", line.state)]
        if order.state != OrderState.PAID or not lines:
            raise TransitionNotAllowed()
        credit_notes = give_back(order, lines, reason, actor)
        for line in lines:
            change_line(line, "cancel", actor, reason)
            stock.return_to_stock(line)
        settle(order, actor)
        notifications.order_cancelled(order, lines, credit_notes)
    return lines


def refund_line(
    cooperative_id: int, line_id: int, amount_cents: int, reason: str, actor: Actor
) -> OrderRefund:
    """The cooperative gives back part or all of what is left on one of its lines.

    The line's state stays as it is. Raises OrderNotFound for a line of another cooperative,
    ReasonRequired, RefundNotPossible (more than is left, with the amount that is left) and
    what the provider raises; then nothing changes. Commits once.
    """
    if not reason.strip():
        raise ReasonRequired()
    line = db.session.get(OrderLine, line_id)
    if line is None or line.cooperative_id != cooperative_id:
        raise OrderNotFound()
    with use_case():
        order = locked_order(line.order_id)
        line = next(line for line in order.lines if line.id == line_id)
        [row] = refund_lines(order, [LineRefund(line, amount_cents)], reason.strip(), actor)
        notifications.refunded(line, amount_cents, credit_notes_of([row]))
    return row


def give_back(order: Order, lines: list[OrderLine], reason: str, actor: Actor) -> list[Invoice]:
    """Refund what is left on each line; returns the credit notes issued (one per invoice)."""
    refunds = [LineRefund(line, left) for line in lines if (left := remaining_cents(line)) > 0]
    return credit_notes_of(refund_lines(order, refunds, reason, actor)) if refunds else []


def credit_notes_of(rows: list[OrderRefund]) -> list[Invoice]:
    ids = sorted({row.credit_note_id for row in rows if row.credit_note_id is not None})
    return [db.session.get(Invoice, credit_note_id) for credit_note_id in ids]  # type: ignore[misc]


def settle(order: Order, actor: Actor) -> None:
    """A paid order whose lines are all finished is completed (or cancelled)."""
    action = settled_order_action([line.state for line in order.lines])
    if action is not None and order.state == OrderState.PAID:
        change_order(order, action, actor)
