"""A member manages their own listings: create, edit, photos, submit, pause, archive."""

from __future__ import annotations

import io
from html import unescape
from pathlib import Path

from sqlalchemy import select

from coopshop.catalogue.models import Listing, ListingEvent, ListingState
from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from tests.catalogue.builders import gen_category, gen_listing, listing_form, png_bytes
from tests.conftest import login
from tests.factories import gen_cooperative, gen_member


def member_world(app):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative, trade_name="Fietsmaker Jan")
        category = gen_category(name="Fietsen", slug="fietsen")
        return member.id, member.user.email, category.id


def only_listing(app) -> Listing:
    with app.app_context():
        listing = db.session.scalars(select(Listing)).one()
        db.session.expunge(listing)
        return listing


def events(app, listing_id: int) -> list[tuple]:
    with app.app_context():
        return [
            (e.action, e.from_state, e.to_state)
            for e in db.session.scalars(
                select(ListingEvent).where(ListingEvent.listing_id == listing_id)
            )
        ]


def test_a_member_creates_a_draft_with_a_dutch_price(app, client):
    member_id, email, category_id = member_world(app)
    login(client, email)

    response = client.post("/mijn/aanbod/nieuw", data=listing_form(category_id))

    listing = only_listing(app)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/mijn/aanbod/{listing.id}/fotos"
    assert (listing.state, listing.price_cents, listing.vat_rate) == ("draft", 24950, "21")
    assert (listing.member_id, listing.slug, listing.stock) == (
        member_id,
        "handgemaakte-fiets",
        2,
    )
    assert events(app, listing.id) == [("created", None, "draft")]


def test_a_failed_submit_keeps_what_was_typed_and_explains_each_error(app, client):
    _, email, category_id = member_world(app)
    login(client, email)

    response = client.post(
        "/mijn/aanbod/nieuw",
        data=listing_form(category_id, price_cents="12,505", delivery_pickup=None),
    )

    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Er is iets niet goed ingevuld" in page
    assert "Gebruik hoogstens 2 cijfers achter de komma" in page
    assert "Kies minstens één manier van leveren." in page
    assert 'value="Handgemaakte fiets"' in page
    assert "12,505" in page
    with app.app_context():
        assert db.session.scalars(select(Listing)).all() == []


def test_a_service_has_no_stock_and_shipping_needs_a_cost(app, client):
    _, email, category_id = member_world(app)
    login(client, email)

    refused = client.post(
        "/mijn/aanbod/nieuw", data=listing_form(category_id, delivery_shipping="y")
    )
    assert "Vul de verzendkosten in" in unescape(refused.get_data(as_text=True))

    client.post(
        "/mijn/aanbod/nieuw",
        data=listing_form(category_id, kind="service", unit="hour", stock="5"),
    )
    assert only_listing(app).stock is None


def test_chosen_municipalities_are_required_for_a_local_service_area(app, client):
    _, email, category_id = member_world(app)
    login(client, email)
    response = client.post(
        "/mijn/aanbod/nieuw", data=listing_form(category_id, service_area="municipalities")
    )

    assert "Kies minstens één gemeente." in unescape(response.get_data(as_text=True))


def test_submit_then_archive_records_every_change_of_state(app, client):
    _, email, category_id = member_world(app)
    login(client, email)
    client.post("/mijn/aanbod/nieuw", data=listing_form(category_id))
    listing_id = only_listing(app).id

    client.post(f"/mijn/aanbod/{listing_id}/insturen")
    assert only_listing(app).state == ListingState.IN_REVIEW
    client.post(f"/mijn/aanbod/{listing_id}/archiveren")

    assert only_listing(app).state == ListingState.ARCHIVED
    assert events(app, listing_id) == [
        ("created", None, "draft"),
        ("submit", "draft", "in_review"),
        ("archive", "in_review", "archived"),
    ]


def test_an_impossible_action_is_refused_and_changes_nothing(app, client):
    _, email, category_id = member_world(app)
    login(client, email)
    client.post("/mijn/aanbod/nieuw", data=listing_form(category_id))
    listing_id = only_listing(app).id

    response = client.post(f"/mijn/aanbod/{listing_id}/hervatten")

    assert response.status_code == 409
    assert only_listing(app).state == ListingState.DRAFT
    assert len(events(app, listing_id)) == 1


def test_a_member_pauses_and_resumes_a_published_listing(app, client):
    member_id, email, _ = member_world(app)
    with app.app_context():
        listing_id = gen_listing(db.session.get(Member, member_id)).id
    login(client, email)

    client.post(f"/mijn/aanbod/{listing_id}/pauzeren")
    assert only_listing(app).state == ListingState.PAUSED
    client.post(f"/mijn/aanbod/{listing_id}/hervatten")

    assert only_listing(app).state == ListingState.PUBLISHED
    assert [e[0] for e in events(app, listing_id)] == ["pause", "resume"]


def test_a_change_to_a_published_price_waits_while_the_live_version_stays(app, client):
    member_id, email, category_id = member_world(app)
    with app.app_context():
        listing_id = gen_listing(
            db.session.get(Member, member_id), title="Handgemaakte fiets", price_cents=24950
        ).id
    login(client, email)

    response = client.post(
        f"/mijn/aanbod/{listing_id}/bewerken",
        data=listing_form(category_id, price_cents="199,00", title="Handgemaakte racefiets"),
    )

    assert response.status_code == 302
    listing = only_listing(app)
    assert (listing.state, listing.title, listing.price_cents) == (
        "published",
        "Handgemaakte fiets",
        24950,
    )
    with app.app_context():
        revision = db.session.get(Listing, listing_id).revision
        assert (revision.title, revision.price_cents, revision.waiting) == (
            "Handgemaakte racefiets",
            19900,
            True,
        )
    assert "Handgemaakte fiets" in client.get(f"/aanbod/{listing_id}/handgemaakte-fiets").text
    assert events(app, listing_id)[-1] == ("change_submitted", "published", "published")


def test_other_fields_of_a_published_listing_change_at_once(app, client):
    member_id, email, category_id = member_world(app)
    with app.app_context():
        listing = gen_listing(
            db.session.get(Member, member_id),
            title="Handgemaakte fiets",
            price_cents=24950,
            description="Een stevige fiets, met de hand opgebouwd uit goede onderdelen.",
            stock=2,
        )
        listing_id = listing.id

    client_data = listing_form(category_id, stock="7", lead_time_days="10")
    login(client, email)
    client.post(f"/mijn/aanbod/{listing_id}/bewerken", data=client_data)

    with app.app_context():
        listing = db.session.get(Listing, listing_id)
        assert (listing.stock, listing.lead_time_days, listing.revision) == (7, 10, None)


def test_a_draft_is_edited_directly(app, client):
    _, email, category_id = member_world(app)
    login(client, email)
    client.post("/mijn/aanbod/nieuw", data=listing_form(category_id))
    listing_id = only_listing(app).id

    client.post(
        f"/mijn/aanbod/{listing_id}/bewerken",
        data=listing_form(category_id, title="Stoere stadsfiets"),
    )

    listing = only_listing(app)
    assert (listing.title, listing.slug) == ("Stoere stadsfiets", "stoere-stadsfiets")


def test_photos_are_added_and_removed(app, client):
    _, email, category_id = member_world(app)
    login(client, email)
    client.post("/mijn/aanbod/nieuw", data=listing_form(category_id))
    listing_id = only_listing(app).id

    response = client.post(
        f"/mijn/aanbod/{listing_id}/fotos",
        data={"photo": (io.BytesIO(png_bytes()), "fiets.png"), "alt_text": "Een fiets"},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    with app.app_context():
        image = db.session.get(Listing, listing_id).images[0]
        image_id, key = image.id, image.key
    upload = app.config["UPLOAD_DIR"]
    assert (Path(upload) / key).is_file()

    client.post(f"/mijn/aanbod/{listing_id}/fotos/{image_id}/verwijderen")

    with app.app_context():
        assert db.session.get(Listing, listing_id).images == []
    assert not (Path(upload) / key).exists()


def test_the_member_sees_their_listings_with_states(app, client):
    member_id, email, _ = member_world(app)
    with app.app_context():
        member = db.session.get(Member, member_id)
        gen_listing(member, title="Rode fiets")
        gen_listing(member, title="Blauwe fiets", state="rejected", feedback="Foto mist")
    login(client, email)

    page = unescape(client.get("/mijn/aanbod").get_data(as_text=True))

    assert "Rode fiets" in page and "In de winkel" in page
    assert "Blauwe fiets" in page and "Aanpassing gevraagd" in page
