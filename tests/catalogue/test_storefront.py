"""The public storefront: clean addresses, correct 404s, structured data, sitemap, categories."""

from __future__ import annotations

import json
import re
from html import unescape
from xml.etree import ElementTree

import pytest

from coopshop.catalogue import storefront_views
from coopshop.catalogue.models import Category
from coopshop.cooperatives.models import Member
from coopshop.extensions import db
from tests.catalogue.builders import gen_category, gen_listing
from tests.conftest import login
from tests.factories import gen_coop_admin, gen_cooperative, gen_member, gen_network_admin

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@pytest.fixture
def shop(app):
    with app.app_context():
        cooperative = gen_cooperative(name="Utrecht Samen", slug="utrecht-samen")
        jan = gen_member(cooperative, trade_name="Fietsmaker Jan", slug="fietsmaker-jan")
        bikes = gen_category(name="Fietsen", slug="fietsen")
        gen_category(name="Racefietsen", slug="racefietsen", parent=bikes)
        bike = gen_listing(
            jan,
            bikes,
            title="Handgemaakte fiets",
            description="Eerste alinea.\n\n<script>alert(1)</script> tweede alinea.",
            price_cents=24950,
        )
        draft = gen_listing(jan, bikes, title="Geheime fiets", state="draft")
        return {"bike": bike.id, "draft": draft.id, "member": jan.id}


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_the_home_page_shows_new_listings_categories_and_cooperatives(client, shop):
    page = text(client.get("/"))

    assert "Handgemaakte fiets" in page
    assert "Geheime fiets" not in page
    assert 'href="/categorie/fietsen"' in page
    assert "Utrecht Samen" in page and "1 actief lid" in page and "1 aanbieding" in page


def test_a_listing_has_a_clean_address_and_the_short_one_redirects(client, shop):
    short = client.get(f"/aanbod/{shop['bike']}")
    wrong_slug = client.get(f"/aanbod/{shop['bike']}/oude-titel")

    canonical = f"/aanbod/{shop['bike']}/handgemaakte-fiets"
    assert (short.status_code, short.headers["Location"]) == (301, canonical)
    assert (wrong_slug.status_code, wrong_slug.headers["Location"]) == (301, canonical)
    assert client.get(canonical).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/aanbod/{draft}/geheime-fiets",
        "/aanbod/{draft}",
        "/aanbod/999999/niets",
        "/categorie/bestaat-niet",
        "/ondernemers/bestaat-niet",
        "/cooperaties/bestaat-niet",
    ],
)
def test_what_is_not_public_gives_a_dutch_404(client, shop, path):
    response = client.get(path.format(**shop))

    assert response.status_code == 404
    assert "Pagina niet gevonden" in text(response)


def test_a_listing_page_escapes_the_description_and_keeps_paragraphs(client, shop):
    page = client.get(f"/aanbod/{shop['bike']}/handgemaakte-fiets").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in page
    assert "<p>Eerste alinea.</p>" in page
    assert "&lt;script&gt;" in page


def test_a_listing_page_has_product_json_ld_and_open_graph(client, shop):
    page = client.get(f"/aanbod/{shop['bike']}/handgemaakte-fiets").get_data(as_text=True)

    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "Product"
    assert data["offers"]["price"] == "249.50"
    assert data["offers"]["priceCurrency"] == "EUR"
    assert data["offers"]["seller"]["@type"] == "Organization"
    assert data["offers"]["seller"]["name"] == "Utrecht Samen"
    assert '<meta property="og:title" content="Handgemaakte fiets">' in page
    assert (
        f'<link rel="canonical" href="http://coopshop.test/aanbod/{shop["bike"]}/handgemaakte-fiets">'
        in page
    )


def test_the_cooperative_page_has_organization_json_ld(client, shop):
    page = client.get("/cooperaties/utrecht-samen").get_data(as_text=True)

    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert (data["@type"], data["name"]) == ("Organization", "Utrecht Samen")
    assert "Handgemaakte fiets" in page


def test_the_directory_counts_members_and_listings(client, shop):
    page = text(client.get("/cooperaties"))

    assert "1 coöperaties, 1 actieve leden en 1 aanbiedingen." in page


def test_the_etalage_shows_the_members_public_listings(client, shop):
    page = text(client.get("/ondernemers/fietsmaker-jan"))

    assert "Handgemaakte fiets" in page
    assert "Geheime fiets" not in page


def test_a_category_page_includes_its_sub_categories(app, client, shop):
    with app.app_context():
        race = db.session.scalar(db.select(Category).where(Category.slug == "racefietsen"))
        member = db.session.get(Member, shop["member"])
        gen_listing(member, race, title="Snelle racefiets")

    page = text(client.get("/categorie/fietsen"))

    assert "Handgemaakte fiets" in page and "Snelle racefiets" in page
    assert 'href="/categorie/racefietsen"' in page


def sitemap_locations(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.get_data())
    return [element.text for element in root.iter(f"{{{SITEMAP_NS}}}loc")]


def test_the_sitemap_lists_public_pages_only(client, shop):
    index = sitemap_locations(client, "/sitemap.xml")
    assert index == [
        "http://coopshop.test/sitemap-paginas.xml",
        "http://coopshop.test/sitemap-aanbod-1.xml",
    ]
    pages = sitemap_locations(client, "/sitemap-paginas.xml")
    listings = sitemap_locations(client, "/sitemap-aanbod-1.xml")

    assert listings == [f"http://coopshop.test/aanbod/{shop['bike']}/handgemaakte-fiets"]
    assert "http://coopshop.test/categorie/racefietsen" in pages
    assert "http://coopshop.test/ondernemers/fietsmaker-jan" in pages
    assert "http://coopshop.test/cooperaties/utrecht-samen" in pages


def test_a_large_catalogue_is_split_over_numbered_sitemap_files(app, client, shop, monkeypatch):
    monkeypatch.setattr(storefront_views, "SITEMAP_LISTINGS_PER_FILE", 2)
    with app.app_context():
        jan = db.session.get(Member, shop["member"])
        extra = [gen_listing(jan, title=f"Mand {n}").id for n in range(1, 5)]

    index = sitemap_locations(client, "/sitemap.xml")
    files = [sitemap_locations(client, f"/sitemap-aanbod-{n}.xml") for n in (1, 2, 3)]

    assert index[1:] == [f"http://coopshop.test/sitemap-aanbod-{n}.xml" for n in (1, 2, 3)]
    ids = [int(loc.split("/")[4]) for file in files for loc in file]
    assert ids == sorted([shop["bike"], *extra])  # each visible listing once, the draft nowhere
    assert [len(file) for file in files] == [2, 2, 1]
    assert client.get("/sitemap-aanbod-4.xml").status_code == 404
    assert client.get("/sitemap-aanbod-0.xml").status_code == 404


def test_robots_txt_points_to_the_sitemap(client):
    body = client.get("/robots.txt").get_data(as_text=True)

    assert "Sitemap: http://coopshop.test/sitemap.xml" in body
    assert "Disallow: /mijn" in body


def test_network_admins_add_and_rename_categories(app, client):
    with app.app_context():
        email = gen_network_admin().email
    login(client, email)

    client.post("/netwerk/categorieen/nieuw", data={"name": "Tassen", "slug": "tassen"})
    with app.app_context():
        tassen = db.session.scalar(db.select(Category).where(Category.slug == "tassen"))
    client.post(
        "/netwerk/categorieen/nieuw",
        data={"name": "Rugzakken", "slug": "rugzakken", "parent_id": str(tassen.id)},
    )
    clash = client.post("/netwerk/categorieen/nieuw", data={"name": "X", "slug": "tassen"})

    assert "Deze korte naam (slug) wordt al gebruikt." in text(clash)
    assert "Rugzakken" in text(client.get("/netwerk/categorieen"))
    with app.app_context():
        child = db.session.scalar(db.select(Category).where(Category.slug == "rugzakken"))
        assert child.parent_id == tassen.id
    client.post(
        f"/netwerk/categorieen/{tassen.id}", data={"name": "Tassen en rugzakken", "slug": "tassen"}
    )
    assert "Tassen en rugzakken" in text(client.get("/"))


def test_only_network_admins_manage_categories(app, client):
    with app.app_context():
        email = gen_coop_admin(gen_cooperative()).email
    login(client, email)

    assert client.get("/netwerk/categorieen").status_code == 403
    assert (
        client.post("/netwerk/categorieen/nieuw", data={"name": "X", "slug": "x"}).status_code
        == 403
    )
