"""Catalogue test data: categories, listings in any state, images and form data."""

from __future__ import annotations

import io
import itertools
from typing import Any

from PIL import Image

from coopshop.catalogue import search
from coopshop.catalogue.models import Category, Listing, ListingState
from coopshop.catalogue.text import slug
from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from coopshop.models_base import utcnow

_sequence = itertools.count(1)


def gen_category(**overrides: Any) -> Category:
    n = next(_sequence)
    category = Category(**{"name": f"Categorie {n}", "slug": f"categorie-{n}", **overrides})
    db.session.add(category)
    db.session.commit()
    return category


def gen_listing(member: Member, category: Category | None = None, **overrides: Any) -> Listing:
    """A published product of 12,50 at 21 % by default; indexed for search like the services do."""
    category = category or gen_category()
    title = overrides.pop("title", f"Aanbod {next(_sequence)}")
    state = overrides.pop("state", ListingState.PUBLISHED)
    values: dict[str, Any] = {
        "member": member,
        "cooperative_id": member.cooperative_id,
        "category": category,
        "kind": "product",
        "state": state,
        "title": title,
        "slug": slug(title),
        "description": "Met de hand gemaakt van goede materialen.",
        "price_cents": 1250,
        "vat_rate": "21",
        "unit": "piece",
        "delivery_pickup": True,
        "service_area": "nationwide",
        "published_at": utcnow() if state == ListingState.PUBLISHED else None,
    }
    listing = Listing(**{**values, **overrides})
    db.session.add(listing)
    search.sync_listing(listing)
    db.session.commit()
    return listing


def png_bytes(size: tuple[int, int] = (64, 48), color: str = "teal", **save: Any) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG", **save)
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 48), **save: Any) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, format="JPEG", **save)
    return buffer.getvalue()


def listing_form(category_id: int, **overrides: Any) -> dict[str, Any]:
    """What a member types in the listing form, the Dutch way."""
    values: dict[str, Any] = {
        "kind": "product",
        "title": "Handgemaakte fiets",
        "category_id": str(category_id),
        "description": "Een stevige fiets, met de hand opgebouwd uit goede onderdelen.",
        "price_cents": "249,50",
        "unit": "piece",
        "vat_rate": "21",
        "stock": "2",
        "delivery_pickup": "y",
        "service_area": "nationwide",
        "lead_time_days": "3",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}
