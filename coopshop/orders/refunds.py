"""Giving money back: through the payment provider, with a credit note that is booked.

Each refund has a reference derived from local ids (``refund:<line id>:<n>``, n counting the
line's refunds), stored before the provider is asked and used as its idempotency key: a retry
after a failure asks for the very same refund, which the provider then makes only once.
Refunds add to the caller's transaction; the caller holds the order's lock and commits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from coopshop.extensions import db
from coopshop.invoicing.booking import book_credit_note
from coopshop.invoicing.models import Invoice, InvoiceLine
from coopshop.invoicing.queries import remaining_line_gross
from coopshop.invoicing.services import issue_credit_note
from coopshop.models_base import utcnow
from coopshop.money import allocate, format_eur, from_stripe_amount
from coopshop.orders import notifications
from coopshop.orders.calendar import today
from coopshop.orders.errors import RefundNotPossible
from coopshop.orders.history import PAYMENT_PROVIDER, Actor, record
from coopshop.orders.models import Order, OrderLine, OrderRefund, RefundState
from coopshop.payments.gateway import get_gateway

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LineRefund:
    line: OrderLine
    amount_cents: int


def invoice_lines_of(line: OrderLine) -> list[InvoiceLine]:
    """The invoice lines an order line was invoiced on: the goods, and its shipping if any."""
    ids = [i for i in (line.invoice_line_id, line.shipping_invoice_line_id) if i is not None]
    return [db.session.get(InvoiceLine, i) for i in ids]  # type: ignore[misc]


def remaining_cents(line: OrderLine) -> int:
    """What is left to refund on the line (goods and shipping), after its credit notes."""
    return sum(remaining_line_gross(invoice_line) for invoice_line in invoice_lines_of(line))


def refunded_per_line(order: Order) -> dict[int, int]:
    """Cents refunded so far per order line id."""
    rows = db.session.execute(
        select(OrderRefund.order_line_id, func.sum(OrderRefund.amount_cents))
        .where(OrderRefund.order_id == order.id, OrderRefund.state == RefundState.DONE)
        .group_by(OrderRefund.order_line_id)
    )
    return {line_id: int(total) for line_id, total in rows if line_id is not None}


def refund_lines(
    order: Order, refunds: Sequence[LineRefund], reason: str, actor: Actor
) -> list[OrderRefund]:
    """Refund each line's amount through the provider, then credit it: one credit note per
    invoice, booked with ``book_credit_note``.

    Raises RefundNotPossible (with what is left) for an unpaid order, a line that was never
    invoiced or an amount that is not between one cent and what is left of the line; the
    invoicing layer refuses too much as well (RefundExceedsInvoice). Raises what the gateway
    raises (PaymentProviderError); the caller's rollback then undoes everything. Adds and
    flushes.
    """
    for refund in refunds:
        _check(order, refund)
    rows = [_requested(order, refund, reason, actor) for refund in refunds]
    gateway = get_gateway()
    for row, refund in zip(rows, refunds, strict=True):
        provider = gateway.refund(
            payment_intent_id=order.payment_intent_id or "",
            amount_cents=row.amount_cents,
            reference=row.reference,
            metadata={"order_id": str(order.id), "order_line_id": str(refund.line.id)},
        )
        row.provider_refund_id = provider.id
    _credit(refunds, rows, reason)
    for row, refund in zip(rows, refunds, strict=True):
        row.state = RefundState.DONE
        record(
            order, "refund", actor, line=refund.line, reason=reason, amount_cents=row.amount_cents
        )
    db.session.flush()
    return rows


def _check(order: Order, refund: LineRefund) -> None:
    if order.payment_intent_id is None or refund.line.invoice_id is None:
        raise RefundNotPossible(
            _("Deze bestelling is niet betaald; er valt niets terug te betalen.")
        )
    left = remaining_cents(refund.line)
    if not 0 < refund.amount_cents <= left:
        raise RefundNotPossible(
            _(
                "Op “%(title)s” is nog %(left)s over om terug te betalen. "
                "Kies een bedrag tot en met dat bedrag.",
                title=refund.line.title,
                left=format_eur(left),
            )
        )


def _requested(order: Order, refund: LineRefund, reason: str, actor: Actor) -> OrderRefund:
    """The refund's row, flushed before the provider is asked (its events may come at once)."""
    done = db.session.scalar(
        select(func.count()).where(
            OrderRefund.order_line_id == refund.line.id, OrderRefund.state == RefundState.DONE
        )
    )
    sequence = (done or 0) + 1
    row = OrderRefund(
        order_id=order.id,
        order_line_id=refund.line.id,
        sequence=sequence,
        reference=f"refund:{refund.line.id}:{sequence}",
        amount_cents=refund.amount_cents,
        reason=reason,
        state=RefundState.REQUESTED,
        actor_id=actor.user_id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _credit(refunds: Sequence[LineRefund], rows: list[OrderRefund], reason: str) -> None:
    """One credit note per invoice; a line's refund is spread over its goods and shipping in
    proportion to what is left of each (the one allocation function)."""
    # In the cooperatives' order, like issuing, so two refunds never lock number series in
    # opposite orders.
    pairs = sorted(
        zip(refunds, rows, strict=True),
        key=lambda pair: (pair[0].line.cooperative_id, pair[0].line.invoice_id or 0),
    )
    for invoice_id, group in groupby(pairs, key=lambda pair: pair[0].line.invoice_id):
        members = list(group)
        credit_lines: list[tuple[InvoiceLine, int]] = []
        for refund, _row in members:
            parts = invoice_lines_of(refund.line)
            shares = allocate(refund.amount_cents, [remaining_line_gross(p) for p in parts])
            credit_lines += [
                (part, cents) for part, cents in zip(parts, shares, strict=True) if cents
            ]
        credit_note = issue_credit_note(
            invoice=db.session.get(Invoice, invoice_id),  # type: ignore[arg-type]
            refunds=credit_lines,
            issue_date=today(),
            reason=reason,
        )
        book_credit_note(credit_note)
        for _refund, row in members:
            row.credit_note_id = credit_note.id


LATE_PAYMENT_REASON = (
    "De betaling kwam binnen nadat de bestelling was verlopen en het is niet meer op voorraad."
)


def refund_late_payment(order: Order, session: dict[str, Any]) -> OrderRefund:
    """A payment for an order that expired and whose stock is gone: give it all back at once.

    No invoice was issued, so there is no credit note. Adds and flushes.
    """
    amount = from_stripe_amount(session["amount_total"])
    row = OrderRefund(
        order_id=order.id,
        order_line_id=None,
        sequence=1,
        reference=f"refund:order:{order.id}:late",
        amount_cents=amount,
        reason=LATE_PAYMENT_REASON,
        state=RefundState.REQUESTED,
    )
    db.session.add(row)
    db.session.flush()
    order.payment_intent_id = session.get("payment_intent")
    provider = get_gateway().refund(
        payment_intent_id=order.payment_intent_id or "",
        amount_cents=amount,
        reference=row.reference,
        metadata={"order_id": str(order.id)},
    )
    row.provider_refund_id, row.state = provider.id, RefundState.DONE
    record(
        order,
        "late_payment_refunded",
        PAYMENT_PROVIDER,
        reason=LATE_PAYMENT_REASON,
        amount_cents=amount,
    )
    notifications.late_payment_refunded(order, amount)
    db.session.flush()
    return row


def confirm_refunds(charge: dict[str, Any]) -> int:
    """The provider's ``charge.refunded``: mark the refunds it lists as confirmed.

    Refunds are found by the reference in their metadata (or the provider's id); when the
    charge does not list them, the order's refunds are confirmed oldest first up to the
    charge's ``amount_refunded``. Unknown refunds are logged and left alone. Returns how many
    were confirmed now. Adds and flushes.
    """
    listed = (charge.get("refunds") or {}).get("data") or []
    confirmed = 0
    for refund in listed:
        row = _find_refund(refund)
        if row is None:
            log.warning("Refund %s of charge %s is not ours", refund.get("id"), charge.get("id"))
        elif row.confirmed_at is None:
            row.confirmed_at, row.provider_refund_id = utcnow(), refund.get("id")
            confirmed += 1
    if not listed:
        confirmed = _confirm_up_to(charge)
    db.session.flush()
    return confirmed


def _find_refund(refund: dict[str, Any]) -> OrderRefund | None:
    reference = (refund.get("metadata") or {}).get("reference")
    if reference:
        row = db.session.scalar(select(OrderRefund).where(OrderRefund.reference == reference))
        if row is not None:
            return row
    refund_id = refund.get("id")
    if not refund_id:
        return None
    return db.session.scalar(select(OrderRefund).where(OrderRefund.provider_refund_id == refund_id))


def _confirm_up_to(charge: dict[str, Any]) -> int:
    order = db.session.scalar(
        select(Order).where(Order.payment_intent_id == charge.get("payment_intent"))
    )
    if order is None:
        log.warning("charge.refunded for unknown payment %s", charge.get("payment_intent"))
        return 0
    budget = from_stripe_amount(int(charge.get("amount_refunded") or 0))
    confirmed = 0
    for row in sorted(order.refunds, key=lambda row: row.id):
        budget -= row.amount_cents
        if budget < 0:
            break
        if row.confirmed_at is None:
            row.confirmed_at = utcnow()
            confirmed += 1
    return confirmed
