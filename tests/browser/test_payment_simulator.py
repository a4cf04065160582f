"""The payment simulator's test page passes axe, and "Betalen" leads back to the shop."""

from __future__ import annotations

import pytest

from coopshop.extensions import db
from coopshop.payments.gateway import CheckoutItem, get_gateway
from tests.browser.conftest import axe_violations, describe

pytestmark = pytest.mark.browser


def create_checkout(live_server, reference: str):
    with live_server.app.test_request_context():
        session = get_gateway().create_checkout(
            reference=reference,
            items=[
                CheckoutItem("Gehaakte knuffel", 1995, 2),
                CheckoutItem("Verzendkosten", 495, 1),
            ],
            customer_email="koper@coopshop.demo",
            success_url=f"{live_server.url}/inloggen?betaald={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{live_server.url}/inloggen",
            metadata={"order_id": "1"},
        )
        db.session.commit()
        return session


def test_the_simulator_page_has_no_axe_violations_and_paying_returns_to_the_shop(
    page, live_server, worker_id
):
    session = create_checkout(live_server, f"browser-{worker_id}-pay")
    page.goto(f"{live_server.url}/betaalsimulator/{session.id}")
    assert page.get_by_text("Testomgeving: er wordt geen echt geld betaald").is_visible()

    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.get_by_role("button", name="Betalen").click()
    page.wait_for_url(f"{live_server.url}/inloggen?betaald={session.id}")

    page.goto(f"{live_server.url}/betaalsimulator/{session.id}")
    assert page.get_by_text("Deze testbetaling is betaald.").is_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
