"""What the cart page and the checkout show: each line priced from the listing as it is now,
and whether it can still be ordered."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from coopshop.catalogue import queries as catalogue
from coopshop.catalogue.models import Listing
from coopshop.extensions import db
from coopshop.orders.cart import CartEntry, CartStore, delivery_options, too_many_message
from coopshop.orders.models import CartItem


@dataclass(frozen=True)
class CartLine:
    """One line of the cart; ``listing`` is None when it is no longer in the shop."""

    entry: CartEntry
    listing: Listing | None
    shipping_cents: int = 0
    problem: str | None = None
    options: list[tuple[str, int]] = field(default_factory=list)
    out_of_stock: bool = False

    @property
    def goods_cents(self) -> int:
        return self.listing.price_cents * self.entry.quantity if self.listing else 0

    @property
    def total_cents(self) -> int:
        return self.goods_cents + self.shipping_cents


@dataclass(frozen=True)
class CartSummary:
    lines: list[CartLine]

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines if line.problem is None)

    @property
    def shipping_cents(self) -> int:
        return sum(line.shipping_cents for line in self.lines if line.problem is None)

    @property
    def item_count(self) -> int:
        return sum(line.entry.quantity for line in self.lines)

    @property
    def can_check_out(self) -> bool:
        return bool(self.lines) and all(line.problem is None for line in self.lines)

    @property
    def cooperative_count(self) -> int:
        return len({line.listing.cooperative_id for line in self.lines if line.listing})


def summarise(store: CartStore) -> CartSummary:
    """Every cart line with today's price, its delivery cost and any problem (sold out, no
    longer offered, delivery option gone). One query for all listings."""
    entries = store.entries()
    ids = [entry.listing_id for entry in entries]
    found = {
        listing.id: listing
        for listing in db.session.scalars(
            catalogue.visible_listings().where(Listing.id.in_(ids))
        ).unique()
    }
    return CartSummary([_line(entry, found.get(entry.listing_id)) for entry in entries])


def _line(entry: CartEntry, listing: Listing | None) -> CartLine:
    if listing is None:
        return CartLine(entry, None, problem=_("Dit aanbod is niet meer te koop."))
    options = delivery_options(listing)
    costs = dict(options)
    problem = None
    short = listing.stock is not None and entry.quantity > listing.stock
    if entry.delivery not in costs:
        problem = _("Deze manier van leveren is er niet meer. Kies een andere.")
    elif short:
        problem = too_many_message(listing)
    return CartLine(entry, listing, costs.get(entry.delivery, 0), problem, options, short)


def item_count(store: CartStore, user_id: int | None) -> int:
    """The number of items in the cart, cheaply, for the link in the page header."""
    if user_id is None:
        return sum(entry.quantity for entry in store.entries())
    total = db.session.scalar(
        select(func.coalesce(func.sum(CartItem.quantity), 0)).where(CartItem.user_id == user_id)
    )
    return int(total or 0)
