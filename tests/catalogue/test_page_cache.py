"""The storefront page cache: anonymous visitors get stored pages, every storefront change is
visible at once (in every worker process), and nothing personal is ever stored or shared."""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.engine import make_url

from coopshop import create_app
from coopshop.accounts.models import User
from coopshop.catalogue import moderation
from coopshop.catalogue.models import Category, Listing
from coopshop.cooperatives.member_services import set_member_status
from coopshop.cooperatives.models import Cooperative, Member, MemberStatus
from coopshop.extensions import db
from tests.catalogue.builders import gen_category, gen_listing
from tests.conftest import BACKEND, TEST_PASSWORD, base_config, login, truncate_all
from tests.factories import gen_coop_admin, gen_cooperative, gen_member

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def shop(app):
    with app.app_context():
        cooperative = gen_cooperative(name="Utrecht Samen", slug="utrecht-samen")
        jan = gen_member(cooperative, trade_name="Fietsmaker Jan", slug="fietsmaker-jan")
        admin = gen_coop_admin(cooperative, email="beheer@utrecht.test")
        bikes = gen_category(name="Fietsen", slug="fietsen")
        bike = gen_listing(jan, bikes, title="Handgemaakte fiets", stock=3)
        return {
            "bike": bike.id,
            "bike_url": f"/aanbod/{bike.id}/handgemaakte-fiets",
            "member": jan.id,
            "admin": admin.id,
            "cooperative": cooperative.id,
            "category": bikes.id,
        }


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def is_hit(response) -> bool:
    return response.headers.get("X-Page-Cache") == "hit"


def test_the_second_anonymous_visit_is_served_from_the_cache(client, shop):
    first = client.get("/categorie/fietsen")
    second = client.get("/categorie/fietsen")

    assert (first.status_code, is_hit(first)) == (200, False)
    assert (second.status_code, is_hit(second)) == (200, True)
    assert "Handgemaakte fiets" in page(second)
    # Stored pages still get the security headers of every response.
    assert second.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert second.headers["Cache-Control"] == "no-store"


def test_each_query_string_and_each_language_is_a_page_of_its_own(client, shop):
    client.get("/zoeken?q=fiets")
    other_query = client.get("/zoeken?q=tas")
    assert not is_hit(other_query)
    assert "Handgemaakte fiets" not in page(other_query)

    with client.session_transaction() as session:
        session["locale"] = "en"
    english = client.get("/zoeken?q=fiets")
    assert not is_hit(english)
    assert '<html lang="en"' in page(english)
    assert is_hit(client.get("/zoeken?q=fiets"))


def test_a_stored_page_carries_each_visitors_own_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        gen_category(name="Fietsen", slug="fietsen")
    anna, bert = app.test_client(), app.test_client()

    annas_page = anna.get("/categorie/fietsen")
    berts_page = bert.get("/categorie/fietsen")
    annas_token = TOKEN.search(page(annas_page)).group(1)
    berts_token = TOKEN.search(page(berts_page)).group(1)

    assert is_hit(berts_page) and annas_token != berts_token
    # Bert's token from the stored page works for Bert, and Anna's token does not.
    refused = bert.post("/taal/en", data={"csrf_token": annas_token, "next": "/"})
    switched = bert.post("/taal/en", data={"csrf_token": berts_token, "next": "/"})
    assert refused.status_code == 400
    assert switched.status_code == 302
    with bert.session_transaction() as session:
        assert session["locale"] == "en"


def test_publishing_editing_and_pausing_show_at_once(app, client, shop):
    client.get("/categorie/fietsen")
    with app.app_context():
        jan = db.session.get(Member, shop["member"])
        gen_listing(jan, db.session.get(Category, shop["category"]), title="Bakfiets voor twee")
    after_publish = client.get("/categorie/fietsen")
    assert not is_hit(after_publish)
    assert "Bakfiets voor twee" in page(after_publish)

    with app.app_context():
        admin = db.session.get(User, shop["admin"])
        moderation.pause(admin, shop["bike"], "Foto ontbreekt")
    after_pause = page(client.get("/categorie/fietsen"))
    assert "Handgemaakte fiets" not in after_pause
    assert client.get(shop["bike_url"]).status_code == 404


def test_a_stock_reservation_made_by_a_statement_shows_on_the_listing(app, client, shop):
    assert "3 beschikbaar" in page(client.get(shop["bike_url"]))
    assert is_hit(client.get(shop["bike_url"]))
    with app.app_context():
        db.session.execute(
            update(Listing).where(Listing.id == shop["bike"]).values(stock=Listing.stock - 2)
        )
        db.session.commit()

    after = client.get(shop["bike_url"])
    assert not is_hit(after)
    assert "1 beschikbaar" in page(after)


def test_a_suspended_member_and_a_renamed_cooperative_show_at_once(app, client, shop):
    assert "Utrecht Samen" in page(client.get("/cooperaties"))
    assert "Handgemaakte fiets" in page(client.get("/"))
    with app.app_context():
        admin = db.session.get(User, shop["admin"])
        set_member_status(admin, db.session.get(Member, shop["member"]), MemberStatus.SUSPENDED)
        db.session.get(Cooperative, shop["cooperative"]).name = "Utrecht Samen Sterk"
        db.session.commit()

    assert "Utrecht Samen Sterk" in page(client.get("/cooperaties"))
    assert "Handgemaakte fiets" not in page(client.get("/"))


def test_a_rolled_back_change_keeps_the_stored_pages(app, client, shop):
    client.get("/categorie/fietsen")
    with app.app_context():
        db.session.get(Listing, shop["bike"]).title = "Nooit bewaard"
        db.session.flush()
        db.session.rollback()
    again = client.get("/categorie/fietsen")
    assert is_hit(again) and "Nooit bewaard" not in page(again)


def test_a_change_in_one_worker_process_is_seen_by_the_others(make_app, tmp_path):
    """Two apps on one database and one cache directory stand for two gunicorn workers."""
    shared = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path / "page-cache")}
    worker_a = make_app(**shared)
    worker_b = make_app(**shared)
    with worker_a.app_context():
        cooperative = gen_cooperative(name="Utrecht Samen", slug="utrecht-samen")
        jan = gen_member(cooperative)
        bike = gen_listing(jan, gen_category(slug="fietsen"), title="Handgemaakte fiets")
        bike_id = bike.id
    visitor_a, visitor_b = worker_a.test_client(), worker_b.test_client()
    visitor_b.get("/categorie/fietsen")
    assert is_hit(visitor_a.get("/categorie/fietsen"))  # worker A serves what B stored

    with worker_a.app_context():
        db.session.get(Listing, bike_id).title = "Bakfiets"
        db.session.commit()

    from_b = visitor_b.get("/categorie/fietsen")
    assert not is_hit(from_b)
    assert "Bakfiets" in page(from_b)


def test_logged_in_visitors_and_personal_sessions_are_never_served_stored_pages(app, client, shop):
    client.get("/")
    assert is_hit(client.get("/"))

    with client.session_transaction() as session:
        session["cart"] = {str(shop["bike"]): [2, "pickup"]}
    with_cart = client.get("/")
    assert not is_hit(with_cart)
    assert "Winkelwagen (2)" in page(with_cart)

    with client.session_transaction() as session:
        session.pop("cart")
        session["_flashes"] = [("success", "Uw bestelling is ontvangen.")]
    with_message = client.get("/")
    assert not is_hit(with_message) and "Uw bestelling is ontvangen." in page(with_message)

    login(client, "beheer@utrecht.test", TEST_PASSWORD)
    logged_in = client.get("/")
    assert not is_hit(logged_in) and "Uitloggen" in page(logged_in)
    # ...and what a logged-in visitor sees is not stored for anyone else.
    client.post("/uitloggen")
    anonymous = client.get("/")
    assert "Uitloggen" not in page(anonymous)


def test_error_pages_are_not_stored(client, shop):
    client.get("/categorie/bestaat-niet")
    second = client.get("/categorie/bestaat-niet")
    assert second.status_code == 404 and not is_hit(second)


@pytest.fixture
def make_app(migrated_database, tmp_path):
    """Apps of their own on one database (a SQLite copy, or the test PostgreSQL database),
    for tests that need special settings or stand for several worker processes."""
    url = migrated_database
    if BACKEND != "postgresql":
        copy = tmp_path / "isolated.sqlite3"
        shutil.copyfile(make_url(url).database, copy)
        url = f"sqlite:///{copy}"
    apps: list[Flask] = []

    def make(**settings) -> Flask:
        apps.append(create_app({**base_config(url, tmp_path), **settings}))
        return apps[-1]

    yield make
    if BACKEND == "postgresql" and apps:
        truncate_all(apps[0])
    for each in apps:
        with each.app_context():
            db.engine.dispose()


def test_a_visitor_logged_in_by_the_remember_me_cookie_gets_their_own_page(client, shop):
    client.get("/")
    assert is_hit(client.get("/"))
    response = client.post(
        "/inloggen",
        data={"email": "beheer@utrecht.test", "password": TEST_PASSWORD, "remember": "y"},
    )
    assert response.status_code == 302
    client.delete_cookie("session", domain="coopshop.test")  # the browser was closed

    page_after = client.get("/")
    assert not is_hit(page_after)
    assert "Uitloggen" in page(page_after)
