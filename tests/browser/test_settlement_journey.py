"""The settlement in a real browser: a coordinator previews September 2026, closes it, downloads
the reports, and pays out through a SEPA file. Every page on the way has zero axe violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import LiveServer, axe_violations, describe, log_in
from tests.browser.test_accessibility import COOP_ADMIN

pytestmark = pytest.mark.browser


def check_axe(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}\n{describe(violations)}"


def preview_september(page: Page, server: LiveServer) -> None:
    log_in(page, server, COOP_ADMIN)
    page.get_by_role("link", name="Verrekening", exact=True).click()
    page.wait_for_load_state()
    check_axe(page)
    page.get_by_label("Maand").select_option(label="september 2026")
    page.get_by_role("button", name="Cijfers bekijken").click()
    page.wait_for_load_state()
    check_axe(page)
    assert page.get_by_role("heading", name="Gemeente Utrecht \u2013 september 2026").count() == 1
    assert page.get_by_role("cell", name="0344-10001").count() == 1  # Fatima's client number


def close_september(page: Page) -> None:
    page.get_by_role("button", name="September 2026 afsluiten").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1  # the check box was not ticked
    check_axe(page)
    page.get_by_label("Ik heb de cijfers gecontroleerd. Sluit de maand nu af.").check()
    page.get_by_role("button", name="September 2026 afsluiten").click()
    page.wait_for_load_state()
    assert "September 2026 is afgesloten." in page.content()
    check_axe(page)


def download_reports(page: Page) -> None:
    page.get_by_role("link", name="Alle rapporten voor de gemeenten").click()
    page.wait_for_load_state()
    check_axe(page)
    page.get_by_role("link", name="september 2026 Utrecht, versie 1").click()
    page.wait_for_load_state()
    check_axe(page)
    pdf_url = page.get_by_role("link", name="als PDF").get_attribute("href")
    pdf = page.request.get(page.url.split("/cooperatie/")[0] + pdf_url)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    with page.expect_download() as download:
        page.get_by_role("link", name="als CSV-bestand").click()
    assert download.value.suggested_filename == "verrekening-utrecht-2026-09.csv"
    content = download.value.path().read_bytes().decode("utf-8-sig")
    assert "0344-10001;Fatima el Amrani;ja;" in content


def pay_out(page: Page) -> None:
    page.get_by_role("link", name="Uitbetalingen", exact=True).click()
    page.wait_for_load_state()
    check_axe(page)
    page.get_by_role("button", name="Uitbetaling klaarzetten").click()
    page.wait_for_load_state()
    check_axe(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Bestand voor de bank downloaden").click()
    xml = download.value.path().read_bytes()
    assert b"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09" in xml
    page.reload()
    page.get_by_role("button", name="De bank heeft het uitgevoerd").click()
    page.wait_for_load_state()
    assert "De uitbetaling is geboekt." in page.content()
    check_axe(page)


def test_a_coordinator_closes_september_downloads_the_report_and_pays_out(live_server, page):
    preview_september(page, live_server)
    close_september(page)
    download_reports(page)
    pay_out(page)
