"""Demo categories and listings: a few published listings for every active demo member, with a
simple photo drawn by Pillow at load time (no binary files in the repository).

Called by ``coopshop.demo.load_demo`` before its commit; adds and flushes only.
"""

from __future__ import annotations

import io
import zlib
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from coopshop.catalogue import images, search
from coopshop.catalogue.demo_data import CATEGORIES, LISTINGS
from coopshop.catalogue.models import (
    Category,
    Listing,
    ListingEvent,
    ListingImage,
    ListingState,
    ServiceArea,
)
from coopshop.catalogue.text import slug
from coopshop.cooperatives.models import Member, MemberStatus
from coopshop.extensions import db
from coopshop.models_base import utcnow
from coopshop.money import parse_eur
from coopshop.storage import get_storage


def load_demo_catalogue() -> bool:
    """Create the demo categories and listings once; False when categories already exist."""
    if db.session.scalar(select(Category.id).limit(1)) is not None:
        return False
    categories = add_categories()
    db.session.flush()
    members = {
        member.trade_name: member
        for member in db.session.scalars(select(Member))
        if member.status == MemberStatus.ACTIVE
    }
    for index, row in enumerate(LISTINGS):
        member = members.get(row[0])
        if member is not None:
            add_listing(member, categories[row[1]], row, index)
    return True


def add_categories() -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for position, (name, children) in enumerate(CATEGORIES):
        main = Category(name=name, slug=slug(name), position=position, description="")
        db.session.add(main)
        categories[name] = main
        for child_position, child in enumerate(children):
            categories[child] = Category(
                name=child, slug=slug(child), parent=main, position=child_position, description=""
            )
            db.session.add(categories[child])
    return categories


def add_listing(member: Member, category: Category, row: tuple, index: int) -> None:
    _, _, kind, title, description, price, vat, unit, stock, delivery = row
    published = utcnow() - timedelta(days=len(LISTINGS) - index)
    listing = Listing(
        member=member,
        cooperative_id=member.cooperative_id,
        category=category,
        kind=kind,
        state=ListingState.PUBLISHED,
        title=title,
        slug=slug(title),
        description=description,
        price_cents=parse_eur(price),
        vat_rate=vat,
        unit=unit,
        stock=stock,
        delivery_pickup="pickup" in delivery,
        delivery_shipping="shipping" in delivery,
        shipping_cents=695 if "shipping" in delivery else None,
        delivery_on_site="on_site" in delivery,
        delivery_online="online" in delivery,
        service_area=ServiceArea.ONLINE if delivery == ("online",) else ServiceArea.NATIONWIDE,
        lead_time_days=3 if kind == "product" else 5,
        published_at=published,
    )
    db.session.add(listing)
    db.session.flush()
    for action, state in (("created", ListingState.DRAFT), ("approved", ListingState.PUBLISHED)):
        db.session.add(ListingEvent(listing=listing, action=action, to_state=state, at=published))
    add_demo_photo(listing)
    search.sync_listing(listing)


PALETTE = [(214, 234, 223), (250, 230, 200), (220, 228, 245), (245, 220, 225), (235, 235, 210)]


def add_demo_photo(listing: Listing) -> None:
    """A calm coloured card with simple shapes, so the demo storefront is not a wall of text."""
    seed = zlib.crc32(listing.title.encode())
    background = PALETTE[seed % len(PALETTE)]
    picture = Image.new("RGB", (800, 600), background)
    draw = ImageDraw.Draw(picture)
    accent = tuple(max(0, channel - 90) for channel in background)
    draw.ellipse((250 + seed % 60, 130, 550 + seed % 60, 430), fill=accent)
    draw.rectangle((120, 470, 680, 500), fill=tuple(max(0, c - 40) for c in background))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    processed = images.process_upload(buffer.getvalue())
    key, thumb_key = images.new_keys(listing.id)
    get_storage().save(key, processed.large)
    get_storage().save(thumb_key, processed.thumb)
    db.session.add(
        ListingImage(
            listing=listing,
            position=0,
            alt_text=f"Voorbeeldfoto bij {listing.title}",
            key=key,
            thumb_key=thumb_key,
            width=processed.width,
            height=processed.height,
        )
    )
