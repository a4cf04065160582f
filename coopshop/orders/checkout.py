"""Checkout: the cart becomes an order with a snapshot of every line, its stock is reserved,
and the payment provider's page is opened for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _

from coopshop.errors import DomainError
from coopshop.extensions import db
from coopshop.models_base import utcnow
from coopshop.orders import stock
from coopshop.orders.access import new_reference
from coopshop.orders.cart import CartStore
from coopshop.orders.cart_summary import CartLine, summarise
from coopshop.orders.errors import EmptyCart, InvalidCartChoice, OutOfStock, TransitionNotAllowed
from coopshop.orders.expiry import expire_order
from coopshop.orders.history import Actor, record
from coopshop.orders.links import order_link
from coopshop.orders.models import Delivery, LineState, Order, OrderLine, OrderState, StockState
from coopshop.payments.gateway import (
    AmountMismatch,
    CheckoutItem,
    default_expires_at,
    get_gateway,
)
from coopshop.payments.models import as_utc

SHIPPING_LABEL = "Verzendkosten"


@dataclass(frozen=True)
class CheckoutDetails:
    """What the buyer filled in: contact, address, optional business details, the terms."""

    name: str
    email: str
    street: str
    postcode: str
    city: str
    phone: str | None = None
    buyer_kind: str = "consumer"
    company_name: str | None = None
    kvk_number: str | None = None
    vat_id: str | None = None
    purchase_order_reference: str | None = None
    terms_accepted: bool = False


class TermsNotAccepted(DomainError):
    """An order needs the buyer's acceptance of the terms."""


class NothingToPay(DomainError):
    """An order of nothing but free items cannot go through the payment provider."""


def place_order(store: CartStore, details: CheckoutDetails, actor: Actor) -> Order:
    """Freeze the cart into an order awaiting payment and reserve its stock.

    Checks every line again (still in the shop, delivery still offered, enough in stock);
    the reservation is the final word on stock. Raises EmptyCart, TermsNotAccepted,
    NothingToPay, InvalidCartChoice (no longer offered so) or OutOfStock (too few left, seen
    in the cart or by the reservation); then nothing is stored and the cart is kept.
    Empties the cart and commits once.
    """
    if not details.terms_accepted:
        raise TermsNotAccepted(_("Ga akkoord met de voorwaarden om te bestellen."))
    summary = summarise(store)
    if not summary.lines:
        raise EmptyCart()
    _refuse_problems(summary.lines)
    if summary.total_cents <= 0:
        raise NothingToPay(_("Deze bestelling kost niets; neem contact op met de ondernemer."))
    order = _new_order(details, actor, summary.total_cents)
    order.lines = [_snapshot(position, line) for position, line in enumerate(summary.lines, 1)]
    db.session.add(order)
    db.session.flush()
    try:
        # After the inserts, so each listing's row lock is held only until the commit below.
        stock.reserve_all(order.lines)
    except OutOfStock:
        db.session.rollback()
        raise
    record(order, "placed", actor, to_state=order.state, amount_cents=order.total_cents)
    store.clear()
    db.session.commit()
    return order


def _refuse_problems(lines: list[CartLine]) -> None:
    for line in lines:
        if line.problem is not None:
            raise OutOfStock(line.problem) if line.out_of_stock else InvalidCartChoice(line.problem)


def _new_order(details: CheckoutDetails, actor: Actor, total_cents: int) -> Order:
    expires_at = datetime.fromtimestamp(default_expires_at(), UTC)
    return Order(
        reference=new_reference(),
        user_id=actor.user_id,
        state=OrderState.AWAITING_PAYMENT,
        name=details.name,
        email=details.email,
        phone=details.phone,
        street=details.street,
        postcode=details.postcode,
        city=details.city,
        buyer_kind=details.buyer_kind,
        company_name=details.company_name,
        kvk_number=details.kvk_number,
        vat_id=details.vat_id,
        purchase_order_reference=details.purchase_order_reference,
        terms_accepted_at=utcnow(),
        total_cents=total_cents,
        payment_expires_at=expires_at,
    )


def _snapshot(position: int, line: CartLine) -> OrderLine:
    """The line as sold: later edits of the listing change nothing here."""
    listing = line.listing
    if listing is None:  # refused by _refuse_problems already; this keeps the types honest
        raise InvalidCartChoice()
    return OrderLine(
        position=position,
        listing_id=listing.id,
        member_id=listing.member_id,
        cooperative_id=listing.cooperative_id,
        title=listing.title,
        member_name=listing.member.trade_name,
        cooperative_name=listing.cooperative.name,
        unit_price_cents=listing.price_cents,
        vat_rate=listing.vat_rate,
        quantity=line.entry.quantity,
        delivery=line.entry.delivery,
        shipping_cents=line.shipping_cents if line.entry.delivery == Delivery.SHIPPING else 0,
        state=LineState.PENDING,
        # Until ``stock.reserve`` says whether there is stock to hold.
        stock_state=StockState.NONE,
    )


def checkout_items(order: Order) -> list[CheckoutItem]:
    """The payment page's items: each line, and its shipping as an item of its own."""
    items = []
    for line in order.lines:
        items.append(CheckoutItem(line.title, line.unit_price_cents, line.quantity))
        if line.shipping_cents:
            items.append(CheckoutItem(f"{SHIPPING_LABEL}: {line.title}", line.shipping_cents, 1))
    return items


def start_payment(order: Order) -> str:
    """Open the provider's payment page for an order awaiting payment; return where to go.

    Every call sends the same reference, items, metadata, URLs and ``expires_at`` (stored on
    the order), so a retry after a failure gets the same session back from the provider.
    Returns the payment page's URL, or the order page when the session is already closed or
    the payment window has passed (then the order is expired and its stock released).
    Raises TransitionNotAllowed when the order no longer awaits payment, and what the gateway
    raises (PaymentProviderError, AmountMismatch); the order and its reservation then stay as
    they are. Commits.
    """
    if order.state != OrderState.AWAITING_PAYMENT:
        raise TransitionNotAllowed()
    if as_utc(order.payment_expires_at) <= utcnow():
        # Too late to pay: give the stock back now; the order page offers to try again.
        expire_order(order.id)
        return order_link(order)
    session = get_gateway().create_checkout(
        reference=order.reference,
        items=checkout_items(order),
        customer_email=order.email,
        success_url=order_link(order, betaald=1),
        cancel_url=order_link(order, geannuleerd=1),
        metadata={"order_id": str(order.id)},
        locale="nl",
        expires_at=int(as_utc(order.payment_expires_at).timestamp()),
    )
    if session.amount_total_cents != order.total_cents:
        raise AmountMismatch()
    order.checkout_session_id = session.id
    db.session.commit()
    return session.url or order_link(order)
