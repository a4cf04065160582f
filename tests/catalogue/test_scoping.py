"""Nobody touches listings that are not theirs: members only their own, coordinators only their
cooperative's. Every endpoint of the member and moderation blueprints is probed (by URL guessing,
with the ids of someone else's listing): not found, and the database is unchanged."""

from __future__ import annotations

import io
from dataclasses import dataclass
from html import unescape

import pytest
from flask import Flask, url_for

from coopshop.catalogue.models import ListingImage
from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from tests.catalogue.builders import gen_category, gen_listing, listing_form, png_bytes
from tests.conftest import login
from tests.cooperatives.test_scoping import database_rows
from tests.factories import gen_buyer, gen_coop_admin, gen_cooperative, gen_member


@dataclass(frozen=True)
class World:
    member_a: str
    member_a2: str
    admin_a: str
    admin_b: str
    buyer: str
    a_listing: int
    a_image: int
    b_listing: int
    b_review: int
    category: int


def build_world(app: Flask) -> World:
    with app.app_context():
        a, b = gen_cooperative(name="Coöperatie Aalsmeer"), gen_cooperative(name="Beekdal")
        member_a = gen_member(a, trade_name="Aalbers Atelier")
        member_a2 = gen_member(a, trade_name="Appel Advies")
        member_b = gen_member(b, trade_name="Bosman Bakt")
        category = gen_category()
        a_listing = gen_listing(member_a, category, title="Aalbers tas")
        a_listing.images.append(
            ListingImage(
                alt_text="Tas",
                key="listings/1/a.jpg",
                thumb_key="listings/1/a-t.jpg",
                width=1,
                height=1,
            )
        )
        db.session.commit()
        b_listing = gen_listing(member_b, category, title="Bosman brood")
        b_review = gen_listing(member_b, category, title="Bosman taart", state="in_review")
        return World(
            member_a=member_a.user.email,
            member_a2=member_a2.user.email,
            admin_a=gen_coop_admin(a).email,
            admin_b=gen_coop_admin(b).email,
            buyer=gen_buyer().email,
            a_listing=a_listing.id,
            a_image=a_listing.images[0].id,
            b_listing=b_listing.id,
            b_review=b_review.id,
            category=category.id,
        )


def member_probes(world: World) -> list[tuple[str, str, dict]]:
    """(method, url, data) on member A's listing, as sent by another member."""
    own = {"listing_id": world.a_listing}
    photo = {"photo": (io.BytesIO(png_bytes()), "x.png"), "alt_text": "Gekaapt"}
    return [
        ("GET", url_for("listings.detail", **own), {}),
        ("GET", url_for("listings.edit", **own), {}),
        ("POST", url_for("listings.edit", **own), listing_form(world.category, title="Gekaapt")),
        ("GET", url_for("listings.photos", **own), {}),
        ("POST", url_for("listings.photos", **own), photo),
        ("POST", url_for("listings.remove_photo", **own, image_id=world.a_image), {}),
        *[
            ("POST", url_for("listings.change_state", **own, action=action), {})
            for action in ("insturen", "pauzeren", "hervatten", "archiveren")
        ],
    ]


def test_the_probe_table_names_every_member_listing_endpoint(app):
    world = build_world(app)
    with app.test_request_context():
        probed = {
            (app.url_map.bind("coopshop.test").match(url, method=method)[0], method)
            for method, url, _ in member_probes(world)
        }
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("listings.")
        and rule.endpoint != "listings.index"
        and rule.endpoint != "listings.new"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == probed


def test_a_member_cannot_touch_another_members_listing(app, client):
    world = build_world(app)
    with app.test_request_context():
        probes = member_probes(world)
    login(client, world.member_a2)

    for method, url, data in probes:
        before = database_rows(app)
        response = client.open(url, method=method, data=data, content_type=None)
        assert response.status_code == 404, f"{method} {url}"
        assert database_rows(app) == before, f"{method} {url} changed the database"
        assert "Aalbers tas" not in unescape(response.get_data(as_text=True))


def test_a_members_list_shows_only_their_own_listings(app, client):
    world = build_world(app)
    login(client, world.member_a2)

    page = unescape(client.get("/mijn/aanbod").get_data(as_text=True))

    assert "Aalbers tas" not in page
    assert "U heeft nog geen aanbod" in page


def moderation_probes(world: World) -> list[tuple[str, str, dict]]:
    """(method, url, data) on cooperative B's listings, as sent by A's coordinator."""
    b = {"listing_id": world.b_review}
    return [
        ("GET", url_for("moderation.review", **b), {}),
        ("POST", url_for("moderation.approve", **b), {}),
        ("POST", url_for("moderation.request_changes", **b), {"changes-reason": "Nee"}),
        ("POST", url_for("moderation.pause", listing_id=world.b_listing), {"pause-reason": "Nee"}),
    ]


def test_the_probe_table_names_every_moderation_endpoint_with_an_id(app):
    world = build_world(app)
    with app.test_request_context():
        probed = {
            app.url_map.bind("coopshop.test").match(url, method=method)[0]
            for method, url, _ in moderation_probes(world)
        }
    with_ids = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("moderation.") and rule.arguments
    }
    assert with_ids == probed


def test_a_coordinator_cannot_see_or_act_on_another_cooperatives_listings(app, client):
    world = build_world(app)
    with app.test_request_context():
        probes = moderation_probes(world)
    login(client, world.admin_a)

    for method, url, data in probes:
        before = database_rows(app)
        response = client.open(url, method=method, data=data)
        assert response.status_code == 404, f"{method} {url}"
        assert database_rows(app) == before, f"{method} {url} changed the database"
        assert "Bosman" not in unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/cooperatie/beoordelen", "/cooperatie/aanbod"])
def test_a_coordinator_sees_only_their_own_cooperatives_queue_and_listings(app, client, path):
    world = build_world(app)
    with app.app_context():
        member = db.session.scalar(db.select(Member).where(Member.trade_name == "Aalbers Atelier"))
        gen_listing(member, title="Aalbers riem", state="in_review")
    login(client, world.admin_a)

    page = unescape(client.get(path).get_data(as_text=True))

    assert "Aalbers riem" in page
    assert "Bosman" not in page


@pytest.mark.parametrize("who", ["member_a", "buyer"])
def test_members_and_buyers_are_refused_on_moderation(app, client, who):
    world = build_world(app)
    with app.test_request_context():
        probes = moderation_probes(world)
    login(client, getattr(world, who))

    for method, url, data in [*probes, ("GET", "/cooperatie/beoordelen", {})]:
        before = database_rows(app)
        assert client.open(url, method=method, data=data).status_code == 403, url
        assert database_rows(app) == before


def test_coordinators_and_buyers_cannot_use_the_member_pages(app, client):
    world = build_world(app)
    login(client, world.admin_a)

    assert client.get("/mijn/aanbod").status_code == 403
    assert client.get(f"/mijn/aanbod/{world.a_listing}").status_code == 403
