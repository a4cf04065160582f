"""The network admins' category list: add and rename; one level of sub-categories."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from coopshop.accounts.models import User
from coopshop.audit.services import record, snapshot
from coopshop.catalogue import cache, search
from coopshop.catalogue.models import Category, Listing, ListingState
from coopshop.errors import Conflict
from coopshop.extensions import db


class CategoryConflict(Conflict):
    """The slug is taken, or the chosen parent would nest categories too deep."""


def save_category(actor: User, category: Category | None, values: dict[str, Any]) -> Category:
    """Create or change a category. Raises ``CategoryConflict`` for a used slug, a parent that
    is itself a sub-category, or a category with sub-categories getting a parent."""
    taken = db.session.scalar(select(Category.id).where(Category.slug == values["slug"]))
    if taken is not None and (category is None or taken != category.id):
        raise CategoryConflict(_("Deze korte naam (slug) wordt al gebruikt."))
    parent = db.session.get(Category, values["parent_id"]) if values["parent_id"] else None
    if parent is not None and (
        parent.parent_id is not None or (category is not None and parent.id == category.id)
    ):
        raise CategoryConflict(_("Kies als hoofdcategorie een categorie zonder hoofdcategorie."))
    if parent is not None and category is not None and category.children:
        raise CategoryConflict(_("Deze categorie heeft zelf subcategorieën."))
    before = snapshot(category) if category else None
    category = category or Category()
    for key, value in values.items():
        setattr(category, key, value)
    db.session.add(category)
    if before and before["name"] != category.name:
        reindex_category(category)
    record(
        actor.id,
        "category.updated" if before else "category.created",
        category,
        before=before,
        summary=category.name,
    )
    db.session.commit()
    cache.clear()
    return category


def reindex_category(category: Category) -> None:
    """Listings are also found by their category's name. Flushes only."""
    search.sync_listings(
        list(
            db.session.scalars(
                select(Listing).where(
                    Listing.category_id == category.id, Listing.state == ListingState.PUBLISHED
                )
            )
        )
    )
