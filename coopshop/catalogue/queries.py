"""What the storefront reads: visible listings with filters, sorting and pages, and the small,
cached lists around them (categories, cooperatives, counts).

Every list of listings is one query that fetches one row more than a page (so there is no
COUNT over all matches), plus one for the photos of the listings on the page. A search sorted by
relevance on SQLite first asks FTS5 for its best-ranked matches (see ``page_rows``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from coopshop.catalogue import cache, search
from coopshop.catalogue.models import (
    Category,
    Listing,
    ListingState,
    ServiceArea,
    listing_municipality,
)
from coopshop.cooperatives.models import Cooperative, Member, MemberStatus, Municipality
from coopshop.extensions import db

PAGE_SIZE = 20
SORTS = ("relevance", "newest", "price_asc", "price_desc")


@dataclass(frozen=True)
class Filters:
    text: str = ""
    kind: str | None = None
    category_ids: tuple[int, ...] = ()
    cooperative_id: int | None = None
    municipality_id: int | None = None
    online: bool = False
    min_cents: int | None = None
    max_cents: int | None = None
    sort: str = "relevance"
    page: int = 1


@dataclass
class ResultPage:
    listings: list[Listing]
    page: int
    has_next: bool
    searched: bool = False


def visible_listings() -> Select[tuple[Listing]]:
    """Published listings of active members, with member, cooperative and photos loaded."""
    return (
        select(Listing)
        .join(Listing.member)
        .where(Listing.state == ListingState.PUBLISHED, Member.status == MemberStatus.ACTIVE)
        .options(
            contains_eager(Listing.member),
            joinedload(Listing.cooperative),
            selectinload(Listing.images),
        )
    )


def apply_filters(stmt: Select[Any], filters: Filters) -> Select[Any]:
    if filters.kind:
        stmt = stmt.where(Listing.kind == filters.kind)
    if filters.category_ids:
        stmt = stmt.where(Listing.category_id.in_(filters.category_ids))
    if filters.cooperative_id:
        stmt = stmt.where(Listing.cooperative_id == filters.cooperative_id)
    if filters.municipality_id:
        stmt = stmt.where(serves_municipality(filters.municipality_id))
    if filters.online:
        stmt = stmt.where(Listing.delivery_online.is_(True))
    if filters.min_cents is not None:
        stmt = stmt.where(Listing.price_cents >= filters.min_cents)
    if filters.max_cents is not None:
        stmt = stmt.where(Listing.price_cents <= filters.max_cents)
    return stmt


def serves_municipality(municipality_id: int) -> Any:
    """Offered nationwide, in the chosen municipality, or by a member who lives there."""
    chosen = select(listing_municipality.c.listing_id).where(
        listing_municipality.c.municipality_id == municipality_id
    )
    return or_(
        Listing.service_area == ServiceArea.NATIONWIDE,
        Listing.id.in_(chosen),
        Member.municipality_id == municipality_id,
    )


def find_listings(filters: Filters, page_size: int = PAGE_SIZE) -> ResultPage:
    """One page of visible listings matching ``filters``."""
    stmt = apply_filters(visible_listings(), filters)
    rank = None
    if filters.text:
        matched = search.apply_text_search(stmt, filters.text)
        if matched is None:
            return ResultPage(listings=[], page=1, has_next=False, searched=True)
        stmt, rank = matched
    offset = (filters.page - 1) * page_size
    stmt = stmt.order_by(*ordering(filters.sort, rank)).offset(offset).limit(page_size + 1)
    rows = page_rows(stmt, filters, offset, page_size + 1)
    return ResultPage(
        listings=rows[:page_size],
        page=filters.page,
        has_next=len(rows) > page_size,
        searched=bool(filters.text),
    )


def page_rows(stmt: Select[Any], filters: Filters, offset: int, limit: int) -> list[Listing]:
    """The rows of ``stmt`` (which skips ``offset`` rows and takes ``limit``).

    A relevance-sorted search on SQLite first runs among the best-ranked candidates only. They
    are the start of the same ranking, so when the rows found among them fill the page, or
    every match is a candidate, they are exactly the rows the full query gives; otherwise
    (filters that leave too few candidates) the full query runs.
    """
    if filters.text and filters.sort == "relevance":
        candidates = search.best_matches(filters.text, offset + limit)
        if candidates is not None:
            among = stmt.where(Listing.id.in_(candidates.ids))
            rows = list(db.session.scalars(among).unique())
            if candidates.complete or len(rows) == limit:
                return rows
    return list(db.session.scalars(stmt).unique())


def ordering(sort: str, rank: Any) -> list[Any]:
    if sort == "price_asc":
        return [Listing.price_cents, Listing.id]
    if sort == "price_desc":
        return [Listing.price_cents.desc(), Listing.id.desc()]
    if sort == "relevance" and rank is not None:
        return [rank, Listing.id.desc()]
    return [Listing.published_at.desc(), Listing.id.desc()]


def public_listing(listing_id: int) -> Listing | None:
    stmt = visible_listings().where(Listing.id == listing_id).options(joinedload(Listing.category))
    return db.session.scalars(stmt).unique().one_or_none()


def newest_listings(limit: int, *criteria: Any) -> list[Listing]:
    stmt = visible_listings().where(*criteria)
    stmt = stmt.order_by(Listing.published_at.desc(), Listing.id.desc()).limit(limit)
    return list(db.session.scalars(stmt).unique())


def member_listings(member_id: int, page: int) -> ResultPage:
    stmt = (
        visible_listings()
        .where(Listing.member_id == member_id)
        .order_by(Listing.published_at.desc(), Listing.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows = list(db.session.scalars(stmt).unique())
    return ResultPage(listings=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE)


# --- small cached lists -------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryEntry:
    id: int
    name: str
    slug: str
    parent_id: int | None
    child_ids: tuple[int, ...]


def category_tree() -> list[CategoryEntry]:
    """All categories, main categories first each followed by its sub-categories."""

    def compute() -> list[CategoryEntry]:
        rows = db.session.scalars(select(Category).order_by(Category.position, Category.name)).all()
        children: dict[int, list[Category]] = {}
        for row in rows:
            if row.parent_id is not None:
                children.setdefault(row.parent_id, []).append(row)
        entries = []
        for main in (row for row in rows if row.parent_id is None):
            kids = children.get(main.id, [])
            entries.append(entry(main, tuple(kid.id for kid in kids)))
            entries += [entry(kid, ()) for kid in kids]
        return entries

    return cache.cached("category_tree", compute)


def entry(category: Category, child_ids: tuple[int, ...]) -> CategoryEntry:
    return CategoryEntry(category.id, category.name, category.slug, category.parent_id, child_ids)


def category_by_slug(slug: str) -> CategoryEntry | None:
    return next((entry for entry in category_tree() if entry.slug == slug), None)


@dataclass(frozen=True)
class CooperativeEntry:
    id: int
    name: str
    slug: str
    city: str
    members: int
    listings: int


def cooperative_directory() -> list[CooperativeEntry]:
    """Every cooperative with its number of active members and of visible listings."""

    def compute() -> list[CooperativeEntry]:
        members = dict(
            db.session.execute(
                select(Member.cooperative_id, func.count())
                .where(Member.status == MemberStatus.ACTIVE)
                .group_by(Member.cooperative_id)
            ).all()
        )
        listings = dict(
            db.session.execute(
                select(Listing.cooperative_id, func.count())
                .join(Listing.member)
                .where(
                    Listing.state == ListingState.PUBLISHED, Member.status == MemberStatus.ACTIVE
                )
                .group_by(Listing.cooperative_id)
            ).all()
        )
        return [
            CooperativeEntry(
                c.id, c.name, c.slug, c.city, members.get(c.id, 0), listings.get(c.id, 0)
            )
            for c in db.session.scalars(select(Cooperative).order_by(Cooperative.name))
        ]

    return cache.cached("cooperative_directory", compute)


def municipality_choices() -> list[tuple[int, str]]:
    def compute() -> list[tuple[int, str]]:
        rows = db.session.execute(
            select(Municipality.id, Municipality.name).order_by(Municipality.name)
        ).all()
        return [(row.id, row.name) for row in rows]

    return cache.cached("municipalities", compute)


def count_visible_listings() -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Listing)
            .join(Listing.member)
            .where(Listing.state == ListingState.PUBLISHED, Member.status == MemberStatus.ACTIVE)
        )
        or 0
    )


def sitemap_listings(offset: int, limit: int) -> list[Row[tuple[int, str, datetime]]]:
    """Id, slug and last change of visible listings in id order, one sitemap file's worth."""
    return list(
        db.session.execute(
            select(Listing.id, Listing.slug, Listing.updated_at)
            .join(Listing.member)
            .where(Listing.state == ListingState.PUBLISHED, Member.status == MemberStatus.ACTIVE)
            .order_by(Listing.id)
            .offset(max(offset, 0))
            .limit(limit)
        ).all()
    )


def active_member_slugs() -> list[str]:
    return list(
        db.session.scalars(
            select(Member.slug).where(Member.status == MemberStatus.ACTIVE).order_by(Member.slug)
        ).all()
    )
