"""After an unpaid order: its lines back in the cart, to try again."""

from __future__ import annotations

from coopshop.extensions import db
from coopshop.orders.cart import CartEntry, CartStore, orderable_listing
from coopshop.orders.errors import ListingUnavailable, TransitionNotAllowed
from coopshop.orders.models import Order, OrderState

UNPAID_STATES = frozenset({OrderState.EXPIRED, OrderState.FAILED})


def restore_cart(order: Order, store: CartStore) -> int:
    """Put the lines of an expired or failed order back in the cart (quantities and delivery
    as they were; prices are today's again). Listings no longer for sale are skipped; returns
    how many. Raises TransitionNotAllowed for an order that is not unpaid. Commits."""
    if order.state not in UNPAID_STATES:
        raise TransitionNotAllowed()
    held = {entry.listing_id: entry.quantity for entry in store.entries()}
    skipped = 0
    for line in order.lines:
        try:
            orderable_listing(line.listing_id)
        except ListingUnavailable:
            skipped += 1
            continue
        quantity = max(line.quantity, held.get(line.listing_id, 0))
        store.put(CartEntry(line.listing_id, quantity, line.delivery))
    db.session.commit()
    return skipped
