"""Fixtures for anything that pays: the Stripe double served on localhost, and an app using it.

Other features' tests can use them by importing them into their own ``conftest.py``::

    from tests.payments.fixtures import stripe_app, stripe_double, stripe_double_server  # noqa: F401
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from coopshop import create_app
from coopshop.extensions import db
from tests.conftest import base_config
from tests.payments import stripe_double as double_module
from tests.payments.stripe_double import StripeDouble


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


@pytest.fixture(scope="session")
def stripe_double_server() -> Iterator[StripeDouble]:
    """The double on 127.0.0.1 and a free port, for the whole test session (per worker)."""
    double = StripeDouble()
    server = make_server(
        "127.0.0.1",
        0,
        double_module.create_app(double),
        threaded=True,
        request_handler=QuietHandler,
    )
    double.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield double
    server.shutdown()
    server.server_close()


@pytest.fixture
def stripe_double(stripe_double_server: StripeDouble) -> StripeDouble:
    """The double, emptied for this test."""
    stripe_double_server.reset()
    return stripe_double_server


def stripe_settings(double: StripeDouble) -> dict[str, str]:
    return {
        "STRIPE_SECRET_KEY": double_module.SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": double_module.WEBHOOK_SECRET,
        "STRIPE_API_BASE": double.url,
    }


@pytest.fixture
def stripe_app(app: Flask, stripe_double: StripeDouble, tmp_path: Path) -> Iterator[Flask]:
    """The test app's database, with Stripe keys that point at the double."""
    settings = {**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)}
    settings.update(stripe_settings(stripe_double))
    application = create_app(settings)
    yield application
    with application.app_context():
        db.engine.dispose()
