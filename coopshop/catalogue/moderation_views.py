"""Coordinators moderate their own cooperative's listings: the review queue, one listing with
its waiting change, approve, ask for changes, pause. Another cooperative's listings are not
found."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from coopshop.accounts.permissions import admin_required
from coopshop.catalogue import moderation
from coopshop.catalogue.forms import ReasonForm
from coopshop.catalogue.models import ListingState
from coopshop.catalogue.states import allowed
from coopshop.extensions import db
from coopshop.forms import ButtonForm

bp = Blueprint("moderation", __name__, url_prefix="/cooperatie")

PAGE_SIZE = 50


@bp.before_request
@admin_required
def guard() -> None:
    """Coordinators (and network admins) only."""


@bp.get("/beoordelen")
def queue() -> str:
    """Listings waiting for review, oldest first."""
    listings = db.session.scalars(moderation.review_queue(current_user)).all()
    return render_template("catalogue/review_queue.html", listings=listings)


@bp.get("/aanbod")
def all_listings() -> str:
    """Every listing of the cooperative that is not archived, newest first."""
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    stmt = moderation.all_listings(current_user).offset((page - 1) * PAGE_SIZE)
    rows = db.session.scalars(stmt.limit(PAGE_SIZE + 1)).all()
    return render_template(
        "catalogue/coop_listings.html",
        listings=rows[:PAGE_SIZE],
        page=page,
        has_next=len(rows) > PAGE_SIZE,
    )


def review_page(
    listing_id: int, form: ReasonForm | None = None, pause_form: ReasonForm | None = None
) -> str:
    listing = moderation.scoped_listing(current_user, listing_id)
    revision = listing.revision if listing.revision and listing.revision.waiting else None
    return render_template(
        "catalogue/review.html",
        listing=listing,
        revision=revision,
        can_review=listing.state == ListingState.IN_REVIEW or revision is not None,
        can_pause=allowed("admin_pause", listing.state),
        button_form=ButtonForm(),
        changes_form=form or ReasonForm(formdata=None, prefix="changes"),
        pause_form=pause_form or ReasonForm(formdata=None, prefix="pause"),
    )


@bp.get("/aanbod/<int:listing_id>")
def review(listing_id: int) -> str:
    """One listing as the member wrote it, with any waiting change next to the live version."""
    return review_page(listing_id)


@bp.post("/aanbod/<int:listing_id>/goedkeuren")
def approve(listing_id: int) -> Response:
    """Publish the listing, or apply its waiting change."""
    moderation.scoped_listing(current_user, listing_id)
    if ButtonForm().validate_on_submit():
        moderation.approve(current_user, listing_id)
        flash(_("Goedgekeurd. Het aanbod staat in de winkel."), "success")
    return redirect(url_for("moderation.queue"))


@bp.post("/aanbod/<int:listing_id>/wijzigingen-vragen")
def request_changes(listing_id: int) -> str | Response:
    """Send the listing back to the member with a reason."""
    moderation.scoped_listing(current_user, listing_id)
    form = ReasonForm(prefix="changes")
    if not form.validate_on_submit():
        return review_page(listing_id, form=form)
    moderation.request_changes(current_user, listing_id, form.reason.data)
    flash(_("Het lid krijgt uw vraag te zien bij het aanbod."), "success")
    return redirect(url_for("moderation.queue"))


@bp.post("/aanbod/<int:listing_id>/pauzeren")
def pause(listing_id: int) -> str | Response:
    """Take a published listing off the storefront, with a reason for the member."""
    moderation.scoped_listing(current_user, listing_id)
    form = ReasonForm(prefix="pause")
    if not form.validate_on_submit():
        return review_page(listing_id, pause_form=form)
    moderation.pause(current_user, listing_id, form.reason.data)
    flash(_("Het aanbod staat op pauze en is niet meer te zien in de winkel."), "success")
    return redirect(url_for("moderation.review", listing_id=listing_id))
