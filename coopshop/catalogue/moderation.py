"""A coordinator's use cases: the review queue of their own cooperative, approve, ask for
changes, pause. Each checks the cooperative (``NotFound`` outside it), records the state event
and an audit event in the same transaction, keeps the search index in step and commits once.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from coopshop.accounts.models import User
from coopshop.accounts.permissions import may_administer, scoped
from coopshop.audit.services import record
from coopshop.catalogue import cache, search
from coopshop.catalogue.models import Listing, ListingRevision, ListingState
from coopshop.catalogue.services import InvalidTransition, record_event
from coopshop.catalogue.states import TRANSITIONS, allowed
from coopshop.catalogue.text import slug
from coopshop.errors import DomainError, NotFound
from coopshop.extensions import db
from coopshop.models_base import utcnow


class ReasonRequired(DomainError):
    """Asking for changes or pausing needs a reason the member can act on."""


def scoped_listing(actor: User, listing_id: int) -> Listing:
    listing = db.session.get(Listing, listing_id)
    if listing is None or not may_administer(actor, listing.cooperative_id):
        raise NotFound()
    return listing


def review_queue(actor: User) -> Select[tuple[Listing]]:
    """New listings in review and waiting changes to published ones, oldest first."""
    waiting_revision = select(ListingRevision.listing_id).where(ListingRevision.feedback == "")
    stmt = (
        select(Listing)
        .where(
            or_(Listing.state == ListingState.IN_REVIEW, Listing.id.in_(waiting_revision)),
        )
        .options(selectinload(Listing.member), selectinload(Listing.revision))
        .order_by(Listing.updated_at, Listing.id)
    )
    return scoped(stmt, Listing.cooperative_id, actor)


def all_listings(actor: User) -> Select[tuple[Listing]]:
    stmt = (
        select(Listing)
        .where(Listing.state != ListingState.ARCHIVED)
        .options(selectinload(Listing.member))
        .order_by(Listing.id.desc())
    )
    return scoped(stmt, Listing.cooperative_id, actor)


def approve(actor: User, listing_id: int) -> Listing:
    """Publish a listing in review, or apply a published listing's waiting change."""
    listing = scoped_listing(actor, listing_id)
    before = listing.state
    if allowed("approve", listing.state):
        listing.state = TRANSITIONS["approve"].target
        listing.published_at = listing.published_at or utcnow()
        listing.feedback = ""
        action = "approved"
    elif listing.revision is not None and listing.revision.waiting:
        revision = listing.revision
        listing.title, listing.description = revision.title, revision.description
        listing.price_cents, listing.slug = revision.price_cents, slug(revision.title)
        listing.revision = None
        action = "change_approved"
    else:
        raise InvalidTransition()
    finish(actor, listing, action, before, "")
    return listing


def request_changes(actor: User, listing_id: int, reason: str) -> Listing:
    """Send a listing (or its waiting change) back to the member with a reason."""
    listing = scoped_listing(actor, listing_id)
    reason = require_reason(reason)
    before = listing.state
    if allowed("request_changes", listing.state):
        listing.state = TRANSITIONS["request_changes"].target
        listing.feedback = reason
        action = "changes_requested"
    elif listing.revision is not None and listing.revision.waiting:
        listing.revision.feedback = reason
        action = "change_rejected"
    else:
        raise InvalidTransition()
    finish(actor, listing, action, before, reason)
    return listing


def pause(actor: User, listing_id: int, reason: str) -> Listing:
    """Take a published listing off the storefront; only a new review brings it back."""
    listing = scoped_listing(actor, listing_id)
    reason = require_reason(reason)
    if not allowed("admin_pause", listing.state):
        raise InvalidTransition()
    before = listing.state
    listing.state = TRANSITIONS["admin_pause"].target
    listing.paused_by_admin = True
    listing.feedback = reason
    finish(actor, listing, "paused_by_admin", before, reason)
    return listing


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("Schrijf erbij waarom, zodat het lid weet wat er moet gebeuren."))
    return reason


def finish(actor: User, listing: Listing, action: str, before: str, reason: str) -> None:
    record_event(listing, actor.id, action, before, reason)
    search.sync_listing(listing)
    record(
        actor.id,
        f"listing.{action}",
        listing,
        cooperative_id=listing.cooperative_id,
        summary=f"{listing.title} ({listing.member.trade_name})",
    )
    db.session.commit()
    cache.clear()
