"""What search engines and link previews read: schema.org JSON-LD and OpenGraph tags."""

from __future__ import annotations

from typing import Any

from flask import url_for

from coopshop.catalogue.models import Listing, ListingKind
from coopshop.cooperatives.models import Cooperative

DESCRIPTION_LENGTH = 200


def price_text(cents: int) -> str:
    """schema.org wants a plain decimal with a dot: 1250 → "12.50"."""
    return f"{cents // 100}.{cents % 100:02d}"


def summary(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rsplit(" ", 1)[0] + "…"


def listing_url(listing: Listing) -> str:
    return url_for("storefront.listing", listing_id=listing.id, slug=listing.slug, _external=True)


def image_urls(listing: Listing) -> list[str]:
    return [url_for("storage.serve", key=image.key, _external=True) for image in listing.images]


def organization(cooperative: Cooperative) -> dict[str, Any]:
    return {
        "@type": "Organization",
        "name": cooperative.name,
        "url": url_for("storefront.cooperative", slug=cooperative.slug, _external=True),
        "email": cooperative.email,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": cooperative.street,
            "postalCode": cooperative.postcode,
            "addressLocality": cooperative.city,
            "addressCountry": "NL",
        },
    }


def listing_json_ld(listing: Listing) -> dict[str, Any]:
    """A Product (or Service) with one Offer; the cooperative is the seller."""
    offer = {
        "@type": "Offer",
        "price": price_text(listing.price_cents),
        "priceCurrency": "EUR",
        "url": listing_url(listing),
        "seller": organization(listing.cooperative),
    }
    if listing.kind == ListingKind.PRODUCT:
        offer["availability"] = (
            "https://schema.org/InStock"
            if listing.stock
            else "https://schema.org/OutOfStock"
            if listing.stock == 0
            else "https://schema.org/MadeToOrder"
        )
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product" if listing.kind == ListingKind.PRODUCT else "Service",
        "name": listing.title,
        "description": summary(listing.description, 500),
        "url": listing_url(listing),
        "category": listing.category.name,
        "offers": offer,
    }
    if listing.kind == ListingKind.PRODUCT:
        data["brand"] = {"@type": "Brand", "name": listing.member.trade_name}
    else:
        data["provider"] = {"@type": "Person", "name": listing.member.trade_name}
    if listing.images:
        data["image"] = image_urls(listing)
    return data


def cooperative_json_ld(cooperative: Cooperative) -> dict[str, Any]:
    return {"@context": "https://schema.org", **organization(cooperative)}


def open_graph(title: str, description: str, url: str, image: str | None, kind: str) -> dict:
    tags = {
        "og:title": title,
        "og:description": summary(description),
        "og:url": url,
        "og:type": kind,
        "og:site_name": "coopshop",
        "og:locale": "nl_NL",
    }
    if image:
        tags["og:image"] = image
    return tags
