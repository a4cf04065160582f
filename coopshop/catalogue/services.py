"""A member's use cases for their own listings: create, edit, photos, state changes.

Every function checks that the listing is the member's own (``NotFound`` otherwise, so ids of
other members' listings give nothing away), records each change of state as a ``ListingEvent``,
keeps the search index in step, and commits once.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from coopshop.catalogue import cache, images, search
from coopshop.catalogue.models import (
    Category,
    Listing,
    ListingEvent,
    ListingImage,
    ListingKind,
    ListingRevision,
    ListingState,
    ServiceArea,
)
from coopshop.catalogue.states import TRANSITIONS, member_actions
from coopshop.catalogue.text import slug
from coopshop.cooperatives.models import Cooperative, Member, Municipality
from coopshop.errors import Conflict, DomainError, NotFound
from coopshop.extensions import db
from coopshop.storage import get_storage

# A change to these columns of a published listing waits for review.
REVIEWED_FIELDS = ("title", "description", "price_cents")
DIRECT_FIELDS = (
    "kind",
    "category_id",
    "vat_rate",
    "unit",
    "stock",
    "delivery_pickup",
    "delivery_shipping",
    "shipping_cents",
    "delivery_on_site",
    "delivery_online",
    "service_area",
    "lead_time_days",
)
LIVE_STATES = (ListingState.PUBLISHED, ListingState.PAUSED)


class InvalidTransition(Conflict):
    """The listing is not in a state where this action is possible."""


class TooManyImages(DomainError):
    """A listing has at most six photos."""


def own_listing(member: Member, listing_id: int) -> Listing:
    """The member's listing, or ``NotFound`` (also for another member's listing)."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or listing.member_id != member.id:
        raise NotFound()
    return listing


def record_event(
    listing: Listing, actor_id: int | None, action: str, from_state: str | None, reason: str = ""
) -> ListingEvent:
    event = ListingEvent(
        listing=listing,
        actor_id=actor_id,
        action=action,
        from_state=from_state,
        to_state=listing.state,
        reason=reason,
    )
    db.session.add(event)
    return event


def normalised(values: dict[str, Any]) -> dict[str, Any]:
    """Drop what does not apply: stock for services, a shipping cost without shipping."""
    values = dict(values)
    if values["kind"] == ListingKind.SERVICE:
        values["stock"] = None
    if not values["delivery_shipping"]:
        values["shipping_cents"] = None
    if values["service_area"] == ServiceArea.ONLINE:
        values["delivery_online"] = True
    if values["service_area"] != ServiceArea.MUNICIPALITIES:
        values["municipality_ids"] = []
    return values


def check_category(category_id: int) -> None:
    if db.session.get(Category, category_id) is None:
        raise NotFound()


def create_listing(member: Member, values: dict[str, Any]) -> Listing:
    """A new listing as a draft; nobody else sees it until it is submitted and approved."""
    values = normalised(values)
    check_category(values["category_id"])
    listing = Listing(
        member=member,
        cooperative_id=member.cooperative_id,
        state=ListingState.DRAFT,
        title=values["title"],
        slug=slug(values["title"]),
        description=values["description"],
        price_cents=values["price_cents"],
        **{name: values[name] for name in DIRECT_FIELDS},
    )
    listing.municipalities = chosen_municipalities(values["municipality_ids"])
    db.session.add(listing)
    db.session.flush()
    record_event(listing, member.user_id, "created", None)
    db.session.commit()
    return listing


def chosen_municipalities(ids: list[int]) -> list[Municipality]:
    if not ids:
        return []
    return list(db.session.scalars(select(Municipality).where(Municipality.id.in_(ids))))


def update_listing(member: Member, listing: Listing, values: dict[str, Any]) -> bool:
    """Save the member's changes. Returns True when a change waits for review.

    On a published or paused listing, a new title, description or price is kept as a revision
    and the live version stays as it is until a coordinator approves; the rest applies at once.
    Raises ``InvalidTransition`` for an archived listing.
    """
    if listing.member_id != member.id:
        raise NotFound()
    if listing.state == ListingState.ARCHIVED:
        raise InvalidTransition(_("Dit aanbod is gearchiveerd en kan niet meer worden gewijzigd."))
    values = normalised(values)
    check_category(values["category_id"])
    for name in DIRECT_FIELDS:
        setattr(listing, name, values[name])
    listing.municipalities = chosen_municipalities(values["municipality_ids"])
    waits = apply_reviewed_fields(member, listing, values)
    search.sync_listing(listing)
    db.session.commit()
    cache.clear()
    return waits


def apply_reviewed_fields(member: Member, listing: Listing, values: dict[str, Any]) -> bool:
    proposed = {name: values[name] for name in REVIEWED_FIELDS}
    live = {name: getattr(listing, name) for name in REVIEWED_FIELDS}
    if listing.state not in LIVE_STATES:
        for name, value in proposed.items():
            setattr(listing, name, value)
        listing.slug = slug(listing.title)
        return False
    if proposed == live:
        if listing.revision is not None:  # changed back: nothing left to review
            listing.revision = None
            record_event(listing, member.user_id, "change_withdrawn", listing.state)
        return False
    revision = listing.revision or ListingRevision(listing=listing)
    revision.title, revision.description = proposed["title"], proposed["description"]
    revision.price_cents, revision.feedback = proposed["price_cents"], ""
    db.session.add(revision)
    record_event(listing, member.user_id, "change_submitted", listing.state)
    return True


def change_state(member: Member, listing: Listing, action: str) -> Listing:
    """Submit for review, pause, resume or archive. Raises ``InvalidTransition`` when the
    action is not possible now (``NotFound`` for another member's listing)."""
    if listing.member_id != member.id:
        raise NotFound()
    if action not in member_actions(listing.state, listing.paused_by_admin):
        raise InvalidTransition()
    before = listing.state
    listing.state = TRANSITIONS[action].target
    if action in ("submit", "archive"):
        listing.paused_by_admin = False
    if action == "archive":
        listing.revision = None
    record_event(listing, member.user_id, action, before)
    search.sync_listing(listing)
    db.session.commit()
    cache.clear()
    return listing


def add_image(member: Member, listing: Listing, content: bytes, alt_text: str) -> ListingImage:
    """Check, re-encode and store a photo. Raises ``ImageRejected`` (nothing is stored) or
    ``TooManyImages``."""
    if listing.member_id != member.id:
        raise NotFound()
    if len(listing.images) >= images.MAX_IMAGES:
        raise TooManyImages(_("Een aanbod heeft hoogstens 6 foto's. Verwijder eerst een foto."))
    processed = images.process_upload(content)
    key, thumb_key = images.new_keys(listing.id)
    storage = get_storage()
    storage.save(key, processed.large)
    storage.save(thumb_key, processed.thumb)
    image = ListingImage(
        listing=listing,
        position=max((i.position for i in listing.images), default=-1) + 1,
        alt_text=alt_text,
        key=key,
        thumb_key=thumb_key,
        width=processed.width,
        height=processed.height,
    )
    db.session.add(image)
    db.session.commit()
    return image


def remove_image(member: Member, listing: Listing, image_id: int) -> None:
    """Delete one of the listing's photos, from the database and from storage."""
    if listing.member_id != member.id:
        raise NotFound()
    image = next((i for i in listing.images if i.id == image_id), None)
    if image is None:
        raise NotFound()
    keys = (image.key, image.thumb_key)
    listing.images.remove(image)
    db.session.commit()
    for key in keys:
        get_storage().delete(key)


def reindex_member_listings(member_id: int) -> None:
    """After a member's trade name changed: their published listings are found by the new one.
    Flushes only; the caller commits."""
    search.sync_listings(
        list(
            db.session.scalars(
                select(Listing).where(
                    Listing.member_id == member_id, Listing.state == ListingState.PUBLISHED
                )
            )
        )
    )
    cache.clear()


def reindex_cooperative_listings(cooperative_id: int) -> None:
    """After a cooperative was renamed. Flushes only; the caller commits."""
    if db.session.get(Cooperative, cooperative_id) is None:
        return
    search.sync_listings(
        list(
            db.session.scalars(
                select(Listing).where(
                    Listing.cooperative_id == cooperative_id,
                    Listing.state == ListingState.PUBLISHED,
                )
            )
        )
    )
    cache.clear()
