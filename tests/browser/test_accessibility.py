"""Every page that exists, opened as the role that sees it, has zero axe violations."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coopshop.catalogue.models import Listing
from coopshop.cooperatives.models import Cooperative, Member, Municipality
from coopshop.demo import NETWORK_ADMIN_EMAIL, demo_email
from coopshop.extensions import db
from tests.browser.conftest import axe_violations, describe, log_in

pytestmark = pytest.mark.browser

COOP_ADMIN = "coordinator@utrecht-samen.demo"
MEMBER = demo_email("Fatima el Amrani")
BUYER = "koper@coopshop.demo"


def demo_ids(app):
    with app.app_context():
        cooperative = db.session.scalar(
            select(Cooperative).where(Cooperative.slug == "utrecht-samen")
        )
        municipality = db.session.scalar(
            select(Municipality).where(Municipality.cbs_code == "GM0344")
        )
        member = db.session.scalar(select(Member).where(Member.cooperative_id == cooperative.id))
        return {
            "cooperative": cooperative.id,
            "municipality": municipality.id,
            "rule": municipality.rule_versions[0].id,
            "member": member.id,
            **catalogue_ids(),
        }


def catalogue_ids() -> dict[str, object]:
    """A published listing of the demo member Fatima, its category and her etalage."""
    listing = db.session.scalar(
        select(Listing)
        .join(Listing.member)
        .where(Member.trade_name == "Fatima's Naaiatelier", Listing.state == "published")
        .order_by(Listing.id)
    )
    return {
        "listing": listing.id,
        "listing_slug": listing.slug,
        "category": listing.category_id,
        "category_slug": listing.category.slug,
        "member_slug": listing.member.slug,
    }


PAGES_BY_ROLE = {
    None: [
        "/",
        "/inloggen",
        "/registreren",
        "/wachtwoord-vergeten",
        "/bestaat-niet",
        "/zoeken",
        "/zoeken?q=fietsen&sorteer=price_asc",
        "/zoeken?q=nergens-te-vinden",
        "/categorie/{category_slug}",
        "/aanbod/{listing}/{listing_slug}",
        "/ondernemers/{member_slug}",
        "/cooperaties",
        "/cooperaties/utrecht-samen",
    ],
    NETWORK_ADMIN_EMAIL: [
        "/netwerk/",
        "/netwerk/cooperaties/nieuw",
        "/netwerk/cooperaties/{cooperative}",
        "/netwerk/gemeenten",
        "/netwerk/gemeenten/nieuw",
        "/netwerk/gemeenten/{municipality}",
        "/netwerk/gemeenten/{municipality}/regels/nieuw",
        "/netwerk/gemeenten/{municipality}/regels/{rule}",
        "/netwerk/kopers",
        "/netwerk/categorieen",
        "/netwerk/categorieen/nieuw",
        "/netwerk/categorieen/{category}",
        "/cooperatie",
        "/cooperatie/{cooperative}/steunfonds",
        "/logboek",
    ],
    COOP_ADMIN: [
        "/cooperatie",
        "/cooperatie/leden/uitnodigen",
        "/cooperatie/leden/{member}",
        "/cooperatie/coordinatoren/uitnodigen",
        "/cooperatie/beoordelen",
        "/cooperatie/aanbod",
        "/cooperatie/aanbod/{listing}",
        "/cooperatie/{cooperative}/steunfonds",
        "/cooperatie/{cooperative}/overzicht-leden",
        "/cooperatie/{cooperative}/facturen",
        "/logboek",
    ],
    MEMBER: [
        "/mijn",
        "/mijn/verdiensten",
        "/mijn/aanbod",
        "/mijn/aanbod/nieuw",
        "/mijn/aanbod/{listing}",
        "/mijn/aanbod/{listing}/bewerken",
        "/mijn/aanbod/{listing}/fotos",
    ],
    BUYER: ["/account"],
}


@pytest.mark.parametrize("role", list(PAGES_BY_ROLE), ids=lambda role: role or "anonymous")
def test_every_page_has_no_axe_violations(live_server, page, role):
    ids = demo_ids(live_server.app)
    if role:
        log_in(page, live_server, role)
    failures = {}
    for path in PAGES_BY_ROLE[role]:
        page.goto(live_server.url + path.format(**ids))
        violations = axe_violations(page)
        if violations:
            failures[path] = describe(violations)
    assert not failures, "\n\n".join(f"{path}\n{text}" for path, text in failures.items())


@pytest.mark.parametrize("path", ["/inloggen", "/registreren", "/netwerk/cooperaties/nieuw"])
def test_forms_with_errors_have_no_axe_violations(live_server, page, path):
    """The error state matters most: the summary, the messages next to fields, aria-invalid."""
    if path.startswith("/netwerk"):
        log_in(page, live_server, NETWORK_ADMIN_EMAIL)
    page.goto(live_server.url + path)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() >= 1
    violations = axe_violations(page)
    assert not violations, describe(violations)
