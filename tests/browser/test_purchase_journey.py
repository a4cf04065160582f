"""The buying journey in a real browser: a guest buys from two members of two cooperatives
through the payment simulator, gets one invoice PDF per cooperative by e-mail, a member
declines a line with a reason, and the refund shows on both sides. Every page on the way has
zero axe violations."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from coopshop.catalogue.models import Listing
from coopshop.demo import demo_email
from coopshop.extensions import db
from coopshop.invoicing.models import Invoice
from coopshop.mail.services import deliver_pending
from coopshop.orders.models import Order
from tests.browser.conftest import LiveServer, axe_violations, describe, log_in

pytestmark = pytest.mark.browser

BAG = "Boodschappentas van gerecycled zeil"  # Fatima, Coöperatie Utrecht Samen
BOARD = "Eikenhouten snijplank"  # Tom Timmert, Amsterdam Maakt
FATIMA = demo_email("Fatima el Amrani")


def check_axe(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"


def new_page(browser: Browser) -> Page:
    return browser.new_context(bypass_csp=True, locale="nl-NL").new_page()


def listing_path(server: LiveServer, title: str) -> str:
    with server.app.app_context():
        listing = db.session.scalar(select(Listing).where(Listing.title == title))
        return f"/aanbod/{listing.id}/{listing.slug}"


def add_to_cart(page: Page, server: LiveServer, title: str, delivery: str) -> None:
    page.goto(server.url + listing_path(server, title))
    check_axe(page)
    page.get_by_label("Aantal").fill("1")
    page.get_by_label(delivery).check()
    page.get_by_role("button", name="In de winkelwagen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Winkelwagen"
    check_axe(page)


def check_out(page: Page, email: str) -> None:
    page.get_by_role("link", name="Verder naar afrekenen").click()
    page.wait_for_load_state()
    check_axe(page)
    page.get_by_label("Uw naam").fill("Gerda Gast")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Straat en huisnummer").fill("Lange Nieuwstraat 7")
    page.get_by_label("Postcode").fill("3512 PA")
    page.get_by_label("Plaats").fill("Utrecht")
    page.get_by_label("Ik ga akkoord met de voorwaarden van de winkel").check()
    page.get_by_role("button", name="Bestellen en betalen").click()
    page.wait_for_load_state()


def pay_in_the_simulator(page: Page) -> None:
    assert page.get_by_text("Testomgeving: er wordt geen echt geld betaald").is_visible()
    check_axe(page)
    page.get_by_role("button", name="Betalen").click()
    page.wait_for_load_state()
    assert "Uw betaling is binnen" in page.content()
    check_axe(page)


def invoice_pdfs_sent_to(server: LiveServer, email: str) -> list[str]:
    """Run the mail job, then read the buyer's confirmation from the outbox folder."""
    with server.app.app_context():
        deliver_pending()
    for path in sorted(Path(server.app.config["OUTBOX_DIR"]).glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == email and "Bedankt voor uw bestelling" in message["Subject"]:
            return sorted(
                part.get_filename()
                for part in message.iter_attachments()
                if part.get_content_type() == "application/pdf"
            )
    return []


def decline_as_member(page: Page, server: LiveServer, reference: str) -> None:
    log_in(page, server, FATIMA)
    page.get_by_role("link", name="Bestellingen", exact=True).click()
    page.wait_for_load_state()
    check_axe(page)
    page.get_by_role("link", name=reference).click()
    page.wait_for_load_state()
    check_axe(page)
    page.get_by_text("Kunt u dit niet leveren?", exact=True).click()
    page.get_by_label("Waarom kunt u dit niet leveren?").fill("Het zeil is op, sorry.")
    page.get_by_role("button", name="Weigeren en geld terugstorten").click()
    page.wait_for_load_state()
    assert "Geweigerd, geld teruggestort" in page.content()
    assert "teruggestort: € 41,45" in page.content()
    check_axe(page)


def test_a_guest_buys_from_two_cooperatives_and_a_member_declines_one_line(
    live_server, browser, worker_id
):
    email = f"gerda.{worker_id}@voorbeeld.nl"
    buyer = new_page(browser)
    add_to_cart(buyer, live_server, BAG, "Opsturen (€ 6,95)")
    add_to_cart(buyer, live_server, BOARD, "Ophalen bij de ondernemer")
    assert "U bestelt bij leden van 2 coöperaties" in buyer.content()
    check_out(buyer, email)
    pay_in_the_simulator(buyer)
    order_url = buyer.url.split("?")[0]
    reference = order_url.split("/bestelling/")[1].split("/")[0]

    assert len(invoice_pdfs_sent_to(live_server, email)) == 2

    decline_as_member(new_page(browser), live_server, reference)

    buyer.goto(order_url)
    assert "Geweigerd, geld teruggestort" in buyer.content()
    assert "Reden: Het zeil is op, sorry." in buyer.content()
    assert buyer.get_by_role("link", name="Creditnota").count() == 1
    check_axe(buyer)
    with live_server.app.app_context():
        order = db.session.scalar(select(Order).where(Order.reference == reference))
        kinds = sorted(
            invoice.kind
            for invoice in db.session.scalars(select(Invoice).where(Invoice.order_id == order.id))
        )
        assert kinds == ["credit_note", "invoice", "invoice"]
        assert [line.state for line in order.lines] == ["declined", "open"]
