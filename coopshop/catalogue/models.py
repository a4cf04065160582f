"""Categories, listings, their images, pending revisions and state events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopshop.extensions import db
from coopshop.models_base import created_at_column, utcnow

if TYPE_CHECKING:
    from coopshop.accounts.models import User
    from coopshop.cooperatives.models import Cooperative, Member, Municipality


class Category(db.Model):
    """A shelf of the storefront, managed by the network admins; one level of sub-categories."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created_at_column()

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="(Category.position, Category.name)"
    )


class ListingKind(StrEnum):
    PRODUCT = "product"
    SERVICE = "service"


class ListingState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    PAUSED = "paused"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class ServiceArea(StrEnum):
    MUNICIPALITIES = "municipalities"
    NATIONWIDE = "nationwide"
    ONLINE = "online"


class Unit(StrEnum):
    PIECE = "piece"
    HOUR = "hour"
    DAY_PART = "day_part"
    JOB = "job"
    SET = "set"
    PORTION = "portion"


listing_municipality = Table(
    "listing_municipality",
    db.metadata,
    Column("listing_id", ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipality.id"), primary_key=True, index=True),
)


class Listing(db.Model):
    """A product or service offered by a member; the cooperative is the legal seller.

    The price is in cents including VAT. What the public sees are the live columns; a change
    to title, description or price of a published listing waits in a ``ListingRevision``.
    """

    __tablename__ = "listing"
    __table_args__ = (
        CheckConstraint("kind IN ('product', 'service')", name="kind_known"),
        CheckConstraint(
            "state IN ('draft', 'in_review', 'published', 'paused', 'rejected', 'archived')",
            name="state_known",
        ),
        CheckConstraint("vat_rate IN ('21', '9', '0', 'exempt')", name="vat_rate_known"),
        CheckConstraint(
            "service_area IN ('municipalities', 'nationwide', 'online')", name="service_area_known"
        ),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint(
            "shipping_cents IS NULL OR shipping_cents >= 0", name="shipping_not_negative"
        ),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        # The storefront's lists: newest published first, per category or overall.
        Index("ix_listing_state_published_at", "state", "published_at"),
        Index("ix_listing_category_id_state_published_at", "category_id", "state", "published_at"),
        Index("ix_listing_state_price_cents", "state", "price_cents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    # Copied from the member so that moderation queues and filters need no join.
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12), default=ListingState.DRAFT)
    title: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text)
    price_cents: Mapped[int] = mapped_column(BigInteger)
    vat_rate: Mapped[str] = mapped_column(String(6))
    unit: Mapped[str] = mapped_column(String(12))
    # Products only; empty means made to order.
    stock: Mapped[int | None] = mapped_column(Integer)
    delivery_pickup: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery_shipping: Mapped[bool] = mapped_column(Boolean, default=False)
    shipping_cents: Mapped[int | None] = mapped_column(BigInteger)
    delivery_on_site: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery_online: Mapped[bool] = mapped_column(Boolean, default=False)
    service_area: Mapped[str] = mapped_column(String(16), default=ServiceArea.NATIONWIDE)
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    # The reason the coordinator gave when asking for changes, shown to the member.
    feedback: Mapped[str] = mapped_column(Text, default="")
    paused_by_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # PostgreSQL's full-text document (GIN-indexed in the migration); on SQLite the FTS5 table
    # ``listing_search`` plays this part and the column stays empty.
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR().with_variant(Text(), "sqlite"), deferred=True
    )

    member: Mapped[Member] = relationship()
    cooperative: Mapped[Cooperative] = relationship()
    category: Mapped[Category] = relationship()
    images: Mapped[list[ListingImage]] = relationship(
        back_populates="listing", order_by="ListingImage.position", cascade="all, delete-orphan"
    )
    municipalities: Mapped[list[Municipality]] = relationship(secondary=listing_municipality)
    revision: Mapped[ListingRevision | None] = relationship(
        back_populates="listing", uselist=False, cascade="all, delete-orphan"
    )
    events: Mapped[list[ListingEvent]] = relationship(
        back_populates="listing", order_by="ListingEvent.id"
    )

    @property
    def cover(self) -> ListingImage | None:
        return self.images[0] if self.images else None


class ListingImage(db.Model):
    """A photo, decoded and re-encoded on upload; the alt text describes it for screen readers."""

    __tablename__ = "listing_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    alt_text: Mapped[str] = mapped_column(String(250))
    key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()

    listing: Mapped[Listing] = relationship(back_populates="images")


class ListingRevision(db.Model):
    """Proposed title, description and price of a published listing, waiting for review."""

    __tablename__ = "listing_revision"
    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    price_cents: Mapped[int] = mapped_column(BigInteger)
    feedback: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = created_at_column()

    listing: Mapped[Listing] = relationship(back_populates="revision")

    @property
    def waiting(self) -> bool:
        """In the review queue, unless the coordinator asked for changes."""
        return not self.feedback


class ListingEvent(db.Model):
    """Every change of a listing's state (and of a pending revision): who, when, why."""

    __tablename__ = "listing_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"), index=True)
    at: Mapped[datetime] = created_at_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text, default="")

    listing: Mapped[Listing] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
