"""Every page that exists, opened as the role that sees it, has zero axe violations."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from coopshop.accounts.models import User
from coopshop.catalogue.models import Listing
from coopshop.cooperatives.models import Cooperative, Member, Municipality
from coopshop.demo import NETWORK_ADMIN_EMAIL, demo_email
from coopshop.extensions import db
from coopshop.orders.access import access_token
from coopshop.orders.cart import CartEntry, delivery_options
from coopshop.orders.checkout import CheckoutDetails, place_order, start_payment
from coopshop.orders.history import Actor
from coopshop.orders.models import Order
from coopshop.payments.simulator_page import pay_simulated_checkout
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
            **order_ids(),
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


def order_ids() -> dict[str, object]:
    """A paid order of the demo buyer for Fatima's first listing, made once per live server
    through the checkout and the payment simulator."""
    buyer = db.session.scalar(select(User).where(User.email == BUYER))
    order = db.session.scalar(select(Order).where(Order.user_id == buyer.id, Order.state == "paid"))
    if order is None:
        with current_app.test_request_context():
            listing = db.session.get(Listing, catalogue_ids()["listing"])
            entry = CartEntry(listing.id, 1, delivery_options(listing)[0][0])
            details = CheckoutDetails(
                "Koper Demo", BUYER, "Oudegracht 1", "3511 AX", "Utrecht", terms_accepted=True
            )
            order = place_order(_OneLineCart(entry), details, Actor(buyer.id, "buyer"))
            start_payment(order)
            pay_simulated_checkout(order.checkout_session_id)
    return {"order_reference": order.reference, "order_token": access_token(order.reference)}


class _OneLineCart:
    def __init__(self, entry: CartEntry) -> None:
        self.entry = entry

    def entries(self) -> list[CartEntry]:
        return [self.entry]

    def clear(self) -> None:
        pass


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
        "/winkelwagen",
        "/winkelwagen/toevoegen/{listing}",
        "/afrekenen",
        "/bestelling/{order_reference}/{order_token}",
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
        "/cooperatie/verrekening/rapporten",
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
        "/cooperatie/{cooperative}/bestellingen",
        "/cooperatie/{cooperative}/bestellingen/{order_reference}",
        "/cooperatie/{cooperative}/verrekening",
        "/cooperatie/{cooperative}/verrekening/voorbeeld?periode=2026-09",
        "/cooperatie/{cooperative}/verrekening/voorbeeld?periode=2026-10",
        "/cooperatie/verrekening/rapporten",
        "/cooperatie/{cooperative}/uitbetalingen",
        "/logboek",
    ],
    MEMBER: [
        "/mijn",
        "/mijn/verdiensten",
        "/mijn/verrekening",
        "/mijn/aanbod",
        "/mijn/aanbod/nieuw",
        "/mijn/aanbod/{listing}",
        "/mijn/aanbod/{listing}/bewerken",
        "/mijn/aanbod/{listing}/fotos",
        "/mijn/bestellingen",
        "/mijn/bestellingen/{order_reference}",
    ],
    BUYER: ["/account", "/mijn-bestellingen"],
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
