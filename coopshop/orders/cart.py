"""The cart: in the session for guests, in the database for logged-in users, merged on log-in.

A cart holds (listing, quantity, delivery choice); prices are read from the listing whenever
the cart is shown, and frozen into the order only at checkout. Quantities are checked against
the stock when added and again when the order is placed, where the reservation decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from flask import session
from flask_babel import gettext as _
from sqlalchemy import delete, select

from coopshop.catalogue import queries as catalogue
from coopshop.catalogue.models import Listing
from coopshop.extensions import db
from coopshop.orders.errors import InvalidCartChoice, ListingUnavailable, OutOfStock
from coopshop.orders.models import CartItem, Delivery

SESSION_KEY = "cart"
MAX_QUANTITY = 99


@dataclass(frozen=True)
class CartEntry:
    listing_id: int
    quantity: int
    delivery: str


class CartStore(Protocol):
    def entries(self) -> list[CartEntry]: ...

    def put(self, entry: CartEntry) -> None: ...

    def remove(self, listing_id: int) -> None: ...

    def clear(self) -> None: ...


class SessionCart:
    """A guest's cart in the (signed) session cookie: ``{listing id: [quantity, delivery]}``."""

    def entries(self) -> list[CartEntry]:
        stored: dict[str, Any] = session.get(SESSION_KEY) or {}
        return [CartEntry(int(key), int(value[0]), str(value[1])) for key, value in stored.items()]

    def put(self, entry: CartEntry) -> None:
        stored = dict(session.get(SESSION_KEY) or {})
        stored[str(entry.listing_id)] = [entry.quantity, entry.delivery]
        session[SESSION_KEY] = stored

    def remove(self, listing_id: int) -> None:
        stored = dict(session.get(SESSION_KEY) or {})
        stored.pop(str(listing_id), None)
        session[SESSION_KEY] = stored

    def clear(self) -> None:
        session.pop(SESSION_KEY, None)


class DatabaseCart:
    """A logged-in user's cart; changes are added to the session and committed by the caller."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id

    def _items(self) -> list[CartItem]:
        query = select(CartItem).where(CartItem.user_id == self.user_id).order_by(CartItem.id)
        return list(db.session.scalars(query))

    def entries(self) -> list[CartEntry]:
        return [CartEntry(i.listing_id, i.quantity, i.delivery) for i in self._items()]

    def put(self, entry: CartEntry) -> None:
        item = next((i for i in self._items() if i.listing_id == entry.listing_id), None)
        if item is None:
            item = CartItem(user_id=self.user_id, listing_id=entry.listing_id)
            db.session.add(item)
        item.quantity, item.delivery = entry.quantity, entry.delivery

    def remove(self, listing_id: int) -> None:
        db.session.execute(
            delete(CartItem).where(
                CartItem.user_id == self.user_id, CartItem.listing_id == listing_id
            )
        )

    def clear(self) -> None:
        db.session.execute(delete(CartItem).where(CartItem.user_id == self.user_id))


def cart_for(user: Any) -> CartStore:
    """The database cart of a logged-in user, the session cart of a guest."""
    if user is not None and getattr(user, "is_authenticated", False):
        return DatabaseCart(user.id)
    return SessionCart()


def delivery_options(listing: Listing) -> list[tuple[str, int]]:
    """The ways the listing can be delivered, each with its cost in cents."""
    offered = [
        (Delivery.PICKUP, listing.delivery_pickup, 0),
        (Delivery.SHIPPING, listing.delivery_shipping, listing.shipping_cents or 0),
        (Delivery.ON_SITE, listing.delivery_on_site, 0),
        (Delivery.ONLINE, listing.delivery_online, 0),
    ]
    return [(str(option), cost) for option, on, cost in offered if on]


def orderable_listing(listing_id: int) -> Listing:
    """A listing that is in the shop now; raises ListingUnavailable otherwise."""
    listing = catalogue.public_listing(listing_id)
    if listing is None:
        raise ListingUnavailable()
    return listing


def check_choice(listing: Listing, quantity: int, delivery: str) -> None:
    """Raises InvalidCartChoice for a quantity outside 1..99 or a delivery not offered, and
    OutOfStock when more is asked than the listing has in stock."""
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidCartChoice(_("Kies een aantal van 1 tot en met %(max)d.", max=MAX_QUANTITY))
    if delivery not in {option for option, _cost in delivery_options(listing)}:
        raise InvalidCartChoice(_("Kies een manier van leveren die bij dit aanbod hoort."))
    if listing.stock is not None and quantity > listing.stock:
        raise OutOfStock(too_many_message(listing))


def too_many_message(listing: Listing) -> str:
    if not listing.stock:
        return _("“%(title)s” is uitverkocht.", title=listing.title)
    return _(
        "Van “%(title)s” zijn er nog %(stock)d. Kies een kleiner aantal.",
        title=listing.title,
        stock=listing.stock,
    )


def add_to_cart(store: CartStore, listing_id: int, quantity: int, delivery: str) -> Listing:
    """Add ``quantity`` of a listing (on top of what the cart holds) with this delivery.

    Raises ListingUnavailable, InvalidCartChoice and OutOfStock; then nothing changes.
    Commits a database cart.
    """
    listing = orderable_listing(listing_id)
    held = next((e.quantity for e in store.entries() if e.listing_id == listing_id), 0)
    check_choice(listing, held + quantity, delivery)
    store.put(CartEntry(listing_id, held + quantity, delivery))
    db.session.commit()
    return listing


def change_cart_line(store: CartStore, listing_id: int, quantity: int, delivery: str) -> None:
    """Set a cart line's quantity and delivery; raises what ``check_choice`` raises."""
    check_choice(orderable_listing(listing_id), quantity, delivery)
    store.put(CartEntry(listing_id, quantity, delivery))
    db.session.commit()


def remove_from_cart(store: CartStore, listing_id: int) -> None:
    store.remove(listing_id)
    db.session.commit()


def merge_session_cart(sender: Any, user: Any, **extra: Any) -> None:
    """On log-in, move the guest cart into the user's database cart.

    A listing in both keeps the larger quantity (never the sum: the buyer meant one cart, not
    two) and the guest cart's delivery choice.
    """
    guest = SessionCart()
    entries = guest.entries()
    if not entries:
        return
    saved = DatabaseCart(user.id)
    held = {entry.listing_id: entry.quantity for entry in saved.entries()}
    existing = set(
        db.session.scalars(
            select(Listing.id).where(Listing.id.in_([e.listing_id for e in entries]))
        )
    )
    for entry in (e for e in entries if e.listing_id in existing):
        quantity = max(entry.quantity, held.get(entry.listing_id, 0))
        saved.put(CartEntry(entry.listing_id, quantity, entry.delivery))
    guest.clear()
    db.session.commit()
