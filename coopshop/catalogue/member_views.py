"""The member's own listings: a list, a form in three steps (details, photos, check and send),
and the buttons that pause, resume or archive."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from coopshop.accounts.models import Role
from coopshop.accounts.permissions import roles_required
from coopshop.catalogue import images, queries, services
from coopshop.catalogue.forms import ImageForm, ListingForm
from coopshop.catalogue.models import Listing, ListingState
from coopshop.catalogue.states import member_actions
from coopshop.extensions import db
from coopshop.forms import ButtonForm

bp = Blueprint("listings", __name__, url_prefix="/mijn/aanbod")


@bp.before_request
@roles_required(Role.MEMBER)
def guard() -> None:
    """Every page here is for members, about their own listings."""


ACTION_MESSAGES = {
    "submit": _l("Uw aanbod is ingestuurd. Uw coördinator bekijkt het zo snel mogelijk."),
    "pause": _l("Uw aanbod staat op pauze. Klanten zien het nu niet."),
    "resume": _l("Uw aanbod staat weer in de winkel."),
    "archive": _l("Uw aanbod is gearchiveerd."),
}


def listing_form(listing: Listing | None = None) -> ListingForm:
    form = ListingForm(obj=listing)
    form.category_id.choices = [
        SelectChoice(entry.id, entry.name if entry.parent_id is None else f"\u2013 {entry.name}")
        for entry in queries.category_tree()
    ]
    form.municipality_ids.choices = [
        SelectChoice(id_, name) for id_, name in queries.municipality_choices()
    ]
    if listing is not None and not form.is_submitted():
        form.municipality_ids.data = [m.id for m in listing.municipalities]
        if listing.revision is not None:
            form.title.data = listing.revision.title
            form.description.data = listing.revision.description
            form.price_cents.data = listing.revision.price_cents
    return form


def my_listing(listing_id: int) -> Listing:
    return services.own_listing(current_user.member, listing_id)


@bp.get("")
def index() -> str:
    """All of the member's listings with their state and any message from the coordinator."""
    listings = db.session.scalars(
        select(Listing)
        .where(Listing.member_id == current_user.member.id)
        .order_by(Listing.state == ListingState.ARCHIVED, Listing.id.desc())
    ).all()
    return render_template("catalogue/my_listings.html", listings=listings)


@bp.route("/nieuw", methods=["GET", "POST"])
def new() -> str | Response:
    """Step 1 of 3: what the listing is, its price and how it is delivered."""
    form = listing_form()
    if form.validate_on_submit():
        listing = services.create_listing(current_user.member, form.values())
        flash(_("Uw aanbod is bewaard als concept. Voeg nu foto's toe."), "success")
        return redirect(url_for("listings.photos", listing_id=listing.id))
    return render_template("catalogue/listing_form.html", form=form, listing=None)


@bp.route("/<int:listing_id>/bewerken", methods=["GET", "POST"])
def edit(listing_id: int) -> str | Response:
    """Change a listing; on a published one, title, description and price wait for review."""
    listing = my_listing(listing_id)
    form = listing_form(listing)
    if form.validate_on_submit():
        waits = services.update_listing(current_user.member, listing, form.values())
        if waits:
            flash(
                _(
                    "Uw wijziging is ingestuurd. Klanten zien de oude versie tot uw "
                    "coördinator de wijziging heeft goedgekeurd."
                ),
                "success",
            )
        else:
            flash(_("Uw wijzigingen zijn opgeslagen."), "success")
        return redirect(url_for("listings.detail", listing_id=listing.id))
    return render_template("catalogue/listing_form.html", form=form, listing=listing)


@bp.route("/<int:listing_id>/fotos", methods=["GET", "POST"])
def photos(listing_id: int) -> str | Response:
    """Step 2 of 3: up to six photos, each with a description for screen readers."""
    listing = my_listing(listing_id)
    form = ImageForm()
    if form.validate_on_submit():
        try:
            services.add_image(
                current_user.member, listing, form.photo.data.read(), form.alt_text.data
            )
        except (images.ImageRejected, services.TooManyImages) as refused:
            form.photo.errors = [*form.photo.errors, refused.message]
        else:
            flash(_("De foto is toegevoegd."), "success")
            return redirect(url_for("listings.photos", listing_id=listing.id))
    return render_template(
        "catalogue/photos.html",
        listing=listing,
        form=form,
        button_form=ButtonForm(),
        max_images=images.MAX_IMAGES,
    )


@bp.post("/<int:listing_id>/fotos/<int:image_id>/verwijderen")
def remove_photo(listing_id: int, image_id: int) -> Response:
    """Delete one photo."""
    listing = my_listing(listing_id)
    if ButtonForm().validate_on_submit():
        services.remove_image(current_user.member, listing, image_id)
        flash(_("De foto is verwijderd."), "success")
    return redirect(url_for("listings.photos", listing_id=listing.id))


@bp.get("/<int:listing_id>")
def detail(listing_id: int) -> str:
    """Step 3 of 3: check everything, then send it for review. Also the listing's history."""
    listing = my_listing(listing_id)
    return render_template(
        "catalogue/my_listing.html",
        listing=listing,
        actions=member_actions(listing.state, listing.paused_by_admin),
        button_form=ButtonForm(),
    )


@bp.post("/<int:listing_id>/<any(insturen, pauzeren, hervatten, archiveren):action>")
def change_state(listing_id: int, action: str) -> Response:
    """Submit for review, pause, resume or archive."""
    listing = my_listing(listing_id)
    name = {"insturen": "submit", "pauzeren": "pause", "hervatten": "resume"}.get(action, "archive")
    if ButtonForm().validate_on_submit():
        services.change_state(current_user.member, listing, name)
        flash(str(ACTION_MESSAGES[name]), "success")
    return redirect(url_for("listings.detail", listing_id=listing.id))
