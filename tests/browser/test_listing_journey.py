"""The issue's finish line, in a real browser: a member creates a listing with a photo, the
coordinator approves it, and a visitor finds it by a word form that is not in its title. Every
page on the way has zero axe violations."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from tests.browser.conftest import LiveServer, axe_violations, describe, log_in
from tests.browser.test_accessibility import COOP_ADMIN, MEMBER

pytestmark = pytest.mark.browser


def follow(page: Page, link: str) -> None:
    """Click a link and wait for the new page, so that nothing runs on the page being left."""
    with page.expect_navigation():
        page.get_by_role("link", name=link).click()


def check_axe(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"


def photo(tmp_path: Path) -> Path:
    path = tmp_path / "fiets.png"
    Image.new("RGB", (640, 480), (31, 110, 67)).save(path)
    return path


def new_page(browser: Browser) -> Page:
    context = browser.new_context(bypass_csp=True, locale="nl-NL")
    return context.new_page()


def create_listing(page: Page, server: LiveServer, picture: Path) -> None:
    log_in(page, server, MEMBER)
    follow(page, "Mijn aanbod")
    follow(page, "Nieuw aanbod maken")
    check_axe(page)
    page.get_by_label("Een product").check()
    page.get_by_label("Titel").fill("Handgemaakte fiets")
    page.get_by_label("Categorie").select_option(label="Fietsen")
    page.get_by_label("Beschrijving").fill(
        "Een stevige stadsfiets, met de hand opgebouwd.\n\nMet nieuwe banden en verlichting."
    )
    page.get_by_label("Prijs in euro, met btw").fill("249,50")
    page.get_by_label("Ophalen bij mij").check()
    page.get_by_role("button", name="Opslaan en verder").click()
    page.wait_for_load_state()
    check_axe(page)
    page.get_by_label("Foto", exact=True).set_input_files(str(picture))
    page.get_by_label("Wat is er op de foto te zien?").fill("Groene fiets tegen een muur")
    page.get_by_role("button", name="Foto toevoegen").click()
    page.wait_for_load_state()
    assert page.get_by_role("img", name="Groene fiets tegen een muur").count() == 1
    follow(page, "Verder: controleren en insturen")
    check_axe(page)
    page.get_by_role("button", name="Insturen voor beoordeling").click()
    page.wait_for_load_state()
    assert "Wacht op beoordeling" in page.content()


def approve_listing(page: Page, server: LiveServer) -> None:
    log_in(page, server, COOP_ADMIN)
    follow(page, "Beoordelen")
    check_axe(page)
    follow(page, "Handgemaakte fiets")
    check_axe(page)
    page.get_by_role("button", name="Goedkeuren").click()
    page.wait_for_load_state()
    assert "Goedgekeurd" in page.content()


def find_listing(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/")
    page.get_by_label("Zoeken in de winkel").fill("fietsen")
    page.get_by_role("button", name="Zoeken", exact=True).click()
    page.wait_for_load_state()
    check_axe(page)
    page.get_by_role("link", name="Handgemaakte fiets", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Handgemaakte fiets"
    assert page.get_by_role("img", name="Groene fiets tegen een muur").count() == 1
    assert "€ 249,50" in page.content()
    check_axe(page)


def test_a_member_lists_a_bike_the_coordinator_approves_and_a_visitor_finds_it(
    live_server, browser, tmp_path
):
    create_listing(new_page(browser), live_server, photo(tmp_path))
    approve_listing(new_page(browser), live_server)
    find_listing(new_page(browser), live_server)


def test_the_listing_form_with_errors_has_no_axe_violations(live_server, page):
    log_in(page, live_server, MEMBER)
    page.goto(live_server.url + "/mijn/aanbod/nieuw")
    page.get_by_label("Prijs in euro, met btw").fill("12,505")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()

    assert page.locator(".error-summary").count() == 1
    assert page.get_by_label("Prijs in euro, met btw").input_value() == "12,505"
    check_axe(page)


def test_the_photo_form_refuses_a_fake_image_accessibly(live_server, page, tmp_path):
    fake = tmp_path / "foto.jpg"
    fake.write_bytes(b"#!/bin/sh\necho nep\n")
    log_in(page, live_server, MEMBER)
    page.goto(live_server.url + "/mijn/aanbod")
    page.locator("main table a").first.click()
    page.get_by_role("link", name="Foto's").click()
    page.get_by_label("Foto", exact=True).set_input_files(str(fake))
    page.get_by_label("Wat is er op de foto te zien?").fill("Niets")
    page.get_by_role("button", name="Foto toevoegen").click()
    page.wait_for_load_state()

    assert "geen foto die wij kunnen gebruiken" in page.content()
    check_axe(page)
