"""Fixtures of the orders tests: a small shop, and the Stripe double for the StripeGateway path."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.orders.helpers import Shop, build_shop
from tests.payments.fixtures import stripe_app, stripe_double, stripe_double_server  # noqa: F401


@pytest.fixture
def shop(app: Flask) -> Shop:
    return build_shop(app)
