"""Fixtures of the payments tests; see ``tests/payments/fixtures.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from coopshop.payments.gateway import CheckoutItem, VerifiedEvent
from coopshop.payments.webhooks import register_handler
from tests.payments.fixtures import stripe_app, stripe_double, stripe_double_server  # noqa: F401


@pytest.fixture
def received() -> list[VerifiedEvent]:
    """Events handed to the handler registered by ``handle_events``."""
    return []


@pytest.fixture
def handle_events(app: Flask, received: list[VerifiedEvent]) -> Iterator[Callable]:
    """Register a handler on the test app that records every event it gets."""
    register_handler(received.extend, app)
    yield received.extend
    register_handler(None, app)


ITEMS = [CheckoutItem("Gehaakte knuffel", 1995, 2), CheckoutItem("Verzendkosten", 495, 1)]
ITEMS_TOTAL = 4485


def checkout_kwargs(reference: str = "order-1-attempt-1", **overrides: object) -> dict:
    """Arguments for create_checkout with sensible defaults."""
    values: dict = {
        "reference": reference,
        "items": ITEMS,
        "customer_email": "koper@example.test",
        "success_url": "https://coopshop.test/bestelling/1/betaald",
        "cancel_url": "https://coopshop.test/bestelling/1/afrekenen",
        "metadata": {"order_id": "1"},
    }
    values.update(overrides)
    return values
