"""Coordinators approve, ask for changes and pause; every step is recorded with who and why."""

from __future__ import annotations

from html import unescape

from sqlalchemy import select

from coopshop.audit.models import AuditEvent
from coopshop.catalogue.models import Listing, ListingEvent, ListingRevision
from coopshop.extensions import db
from tests.catalogue.builders import gen_listing
from tests.conftest import login
from tests.factories import gen_coop_admin, gen_cooperative, gen_member


def setup(app, state="in_review", **listing):
    with app.app_context():
        cooperative = gen_cooperative()
        member = gen_member(cooperative, trade_name="Fietsmaker Jan")
        admin = gen_coop_admin(cooperative)
        item = gen_listing(member, title="Handgemaakte fiets", state=state, **listing)
        return item.id, admin.email, member.user.email


def reload(app, listing_id):
    with app.app_context():
        listing = db.session.get(Listing, listing_id)
        events = [(e.action, e.from_state, e.to_state, e.reason) for e in listing.events]
        actions = db.session.scalars(select(AuditEvent.action)).all()
        return listing.state, listing.feedback, events, actions


def test_approving_publishes_the_listing_and_records_who(app, client):
    listing_id, admin, _ = setup(app, published_at=None)
    login(client, admin)

    response = client.post(f"/cooperatie/aanbod/{listing_id}/goedkeuren")

    assert response.status_code == 302
    state, _, events, actions = reload(app, listing_id)
    assert state == "published"
    assert events == [("approved", "in_review", "published", "")]
    assert actions == ["listing.approved"]
    with app.app_context():
        assert db.session.get(Listing, listing_id).published_at is not None
        assert db.session.scalar(select(ListingEvent.actor_id)) is not None


def test_asking_for_changes_needs_a_reason_the_member_sees(app, client):
    listing_id, admin, member = setup(app)
    login(client, admin)

    refused = client.post(f"/cooperatie/aanbod/{listing_id}/wijzigingen-vragen", data={})
    assert "Dit veld is verplicht." in unescape(refused.get_data(as_text=True))
    assert reload(app, listing_id)[0] == "in_review"

    client.post(
        f"/cooperatie/aanbod/{listing_id}/wijzigingen-vragen",
        data={"changes-reason": "Voeg een foto toe, dan weet de klant wat hij krijgt."},
    )

    state, feedback, events, _ = reload(app, listing_id)
    assert (state, feedback) == ("rejected", "Voeg een foto toe, dan weet de klant wat hij krijgt.")
    assert events[-1][:3] == ("changes_requested", "in_review", "rejected")
    client.post("/uitloggen")
    login(client, member)
    page = unescape(client.get(f"/mijn/aanbod/{listing_id}").get_data(as_text=True))
    assert "Voeg een foto toe" in page


def test_a_waiting_change_is_applied_on_approval(app, client):
    listing_id, admin, _ = setup(app, state="published", price_cents=24950)
    with app.app_context():
        db.session.add(
            ListingRevision(
                listing_id=listing_id, title="Racefiets", description="Nieuw.", price_cents=19900
            )
        )
        db.session.commit()
    login(client, admin)
    queue = client.get("/cooperatie/beoordelen").get_data(as_text=True)
    assert "Handgemaakte fiets" in queue and "Wijziging" in queue

    client.post(f"/cooperatie/aanbod/{listing_id}/goedkeuren")

    with app.app_context():
        listing = db.session.get(Listing, listing_id)
        assert (listing.title, listing.slug, listing.price_cents, listing.revision) == (
            "Racefiets",
            "racefiets",
            19900,
            None,
        )
        assert listing.state == "published"


def test_a_rejected_change_leaves_the_live_version_and_leaves_the_queue(app, client):
    listing_id, admin, _ = setup(app, state="published")
    with app.app_context():
        db.session.add(
            ListingRevision(listing_id=listing_id, title="Gratis!", description="x", price_cents=0)
        )
        db.session.commit()
    login(client, admin)

    client.post(
        f"/cooperatie/aanbod/{listing_id}/wijzigingen-vragen",
        data={"changes-reason": "Een prijs van 0 euro kan niet."},
    )

    with app.app_context():
        listing = db.session.get(Listing, listing_id)
        assert (listing.title, listing.state) == ("Handgemaakte fiets", "published")
        assert listing.revision.feedback == "Een prijs van 0 euro kan niet."
    assert "Er wacht niets op beoordeling." in client.get("/cooperatie/beoordelen").text


def test_a_coordinator_pauses_a_listing_and_the_member_must_resubmit(app, client):
    listing_id, admin, member = setup(app, state="published")
    login(client, admin)

    client.post(f"/cooperatie/aanbod/{listing_id}/pauzeren", data={"pause-reason": "Klacht"})

    state, feedback, events, actions = reload(app, listing_id)
    assert (state, feedback) == ("paused", "Klacht")
    assert events[-1] == ("paused_by_admin", "published", "paused", "Klacht")
    assert actions == ["listing.paused_by_admin"]
    assert client.get(f"/aanbod/{listing_id}/handgemaakte-fiets").status_code == 404
    client.post("/uitloggen")
    login(client, member)
    assert client.post(f"/mijn/aanbod/{listing_id}/hervatten").status_code == 409
    client.post(f"/mijn/aanbod/{listing_id}/insturen")
    assert reload(app, listing_id)[0] == "in_review"


def test_approving_twice_is_refused(app, client):
    listing_id, admin, _ = setup(app)
    login(client, admin)
    client.post(f"/cooperatie/aanbod/{listing_id}/goedkeuren")

    response = client.post(f"/cooperatie/aanbod/{listing_id}/goedkeuren")

    assert response.status_code == 409
    assert len(reload(app, listing_id)[2]) == 1
